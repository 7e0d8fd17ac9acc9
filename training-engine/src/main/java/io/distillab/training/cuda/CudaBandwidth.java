package io.distillab.training.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;

/** The device's copy bandwidth, the practical ceiling for memory-bound kernels. */
public final class CudaBandwidth {
    private CudaBandwidth() {
    }

    /**
     * Bytes per second of a device-to-device copy of {@code bytes}, counting the bytes read and
     * the bytes written, median of {@code repeats} after two warm-ups. The source is filled
     * with a non-zero pattern first.
     */
    public static double deviceCopy(CudaDevice device, long bytes, int repeats) {
        device.makeCurrent();
        try (DeviceBuffer src = DeviceBuffer.allocate(bytes); DeviceBuffer dst = DeviceBuffer.allocate(bytes)) {
            src.fill32(0x3f8ccccd);
            float[] ms = CudaTimer.time(() -> cuMemcpyDtoD(dst.pointer(), src.pointer(), bytes), 2, repeats);
            return 2.0 * bytes / (CudaTimer.median(ms) * 1e-3);
        }
    }
}
