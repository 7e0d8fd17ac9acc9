package io.distillab.training.cuda;

import jcuda.CudaException;
import jcuda.driver.JCudaDriver;

/**
 * Loads JCuda's driver-API bindings and initialises the driver, once per process. JCuda's
 * native library links against libcuda.so.1 (the NVIDIA driver), not the CUDA runtime, so on a
 * machine without the driver loading fails with an {@link UnsatisfiedLinkError}, which is
 * turned into a {@link CudaUnavailableException} with a one-line reason.
 */
public final class CudaDriver {
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
            failure = "the CUDA driver library (libcuda.so.1) could not be loaded: " + firstLine(e.getMessage());
            throw new CudaUnavailableException(failure, e);
        } catch (CudaException e) {
            failure = "the CUDA driver did not start: " + firstLine(e.getMessage());
            throw new CudaUnavailableException(failure, e);
        }
    }

    static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        String line = message.strip().lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
