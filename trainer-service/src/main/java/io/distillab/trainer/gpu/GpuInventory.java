package io.distillab.trainer.gpu;

import io.distillab.training.cuda.CudaDriver;
import io.distillab.training.cuda.CudaUnavailableException;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

/**
 * The GPUs of this machine, counted once through JCuda's driver API (the engine's own
 * {@link CudaDriver}). No driver, no libcuda.so.1 or no device is a machine with 0 GPUs and the
 * reason, never an error: CPU-only replicas are normal.
 */
public final class GpuInventory {

    /** One device: its ordinal, name and total memory in bytes. */
    public record Gpu(int ordinal, String name, long totalMemoryBytes) {
    }

    private final List<Gpu> gpus;
    private final String reason;

    private GpuInventory(List<Gpu> gpus, String reason) {
        this.gpus = List.copyOf(gpus);
        this.reason = reason;
    }

    /** Asks the driver. */
    public static GpuInventory detect() {
        try {
            CudaDriver.initialise();
            int[] count = new int[1];
            JCudaDriver.cuDeviceGetCount(count);
            List<Gpu> found = new ArrayList<>();
            for (int i = 0; i < count[0]; i++) {
                CUdevice d = new CUdevice();
                JCudaDriver.cuDeviceGet(d, i);
                byte[] name = new byte[256];
                JCudaDriver.cuDeviceGetName(name, name.length, d);
                long[] bytes = new long[1];
                JCudaDriver.cuDeviceTotalMem(bytes, d);
                int end = 0;
                while (end < name.length && name[end] != 0) {
                    end++;
                }
                found.add(new Gpu(i, new String(name, 0, end, java.nio.charset.StandardCharsets.US_ASCII), bytes[0]));
            }
            return new GpuInventory(found, found.isEmpty() ? "the CUDA driver reports no device" : null);
        } catch (CudaUnavailableException e) {
            return new GpuInventory(List.of(), e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return new GpuInventory(List.of(), "the CUDA driver could not be asked: " + e.getMessage());
        }
    }

    /** A machine as configured (tests, or a replica told to use fewer GPUs than it has). */
    public static GpuInventory of(List<Gpu> gpus, String reason) {
        return new GpuInventory(gpus, reason);
    }

    public List<Gpu> gpus() {
        return gpus;
    }

    public int count() {
        return gpus.size();
    }

    /** Why there is no GPU (null when there is one). */
    public String reason() {
        return reason;
    }
}
