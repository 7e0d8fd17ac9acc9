package io.distillab.training.cuda;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.CudaException;
import jcuda.driver.JCudaDriver;

/**
 * Loads JCuda's driver-API bindings and initialises the driver, once per process. JCuda's
 * native library links against libcuda.so.1 (the NVIDIA driver), not the CUDA runtime, so on a
 * machine without the driver loading fails with an {@link UnsatisfiedLinkError}, which is
 * turned into a {@link CudaUnavailableException} with a one-line reason.
 */
public final class CudaDriver {
    private static final Pattern LINKER_LINE = Pattern.compile("\\.so: (\\S+\\.so[^:]*: cannot open shared object file[^\\n]*)");
    private static String failure;
    private static boolean ready;

    private CudaDriver() {
    }

    public static synchronized void initialise() throws CudaUnavailableException {
        if (ready) {
            return;
        }
        if (failure != null) {
            throw new CudaUnavailableException(failure);
        }
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            int[] count = new int[1];
            JCudaDriver.cuDeviceGetCount(count);
            if (count[0] == 0) {
                failure = "the CUDA driver reports no device";
                throw new CudaUnavailableException(failure);
            }
            ready = true;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            failure = "JCuda's driver bindings could not be loaded: " + linkProblem(e.getMessage());
            throw new CudaUnavailableException(failure, e);
        } catch (CudaException e) {
            failure = "the CUDA driver did not start: " + firstLine(e.getMessage());
            throw new CudaUnavailableException(failure, e);
        }
    }

    /**
     * JCuda's message lists every way it tried to load its library, with stack traces; the line
     * that matters says which shared object the dynamic linker could not open.
     */
    static String linkProblem(String message) {
        if (message != null) {
            Matcher m = LINKER_LINE.matcher(message);
            if (m.find()) {
                return m.group(1).strip();
            }
        }
        return firstLine(message);
    }

    static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        String line = message.strip().lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
