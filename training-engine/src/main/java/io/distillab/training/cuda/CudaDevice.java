package io.distillab.training.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;

import jcuda.CudaException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import java.nio.charset.StandardCharsets;

/** One GPU and its primary context, with the attributes kernel planning needs. */
public final class CudaDevice implements AutoCloseable {
    /** cudaDevAttrMaxSharedMemoryPerMultiprocessor; not among JCuda 12.6's named constants. */
    private static final int MAX_SHARED_MEMORY_PER_MULTIPROCESSOR = 81;

    private final int ordinal;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final String name;
    private final int computeMajor;
    private final int computeMinor;
    private final int multiprocessors;
    private final int maxSharedPerBlock;
    private final int maxSharedPerMultiprocessor;
    private final boolean clusterLaunch;
    private boolean closed;

    private CudaDevice(int ordinal) {
        this.ordinal = ordinal;
        cuDeviceGet(device, ordinal);
        cuDevicePrimaryCtxRetain(context, device);
        cuCtxSetCurrent(context);
        byte[] raw = new byte[256];
        cuDeviceGetName(raw, raw.length, device);
        int end = 0;
        while (end < raw.length && raw[end] != 0) {
            end++;
        }
        name = new String(raw, 0, end, StandardCharsets.US_ASCII);
        computeMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        computeMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        maxSharedPerBlock = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        maxSharedPerMultiprocessor = attribute(MAX_SHARED_MEMORY_PER_MULTIPROCESSOR);
        clusterLaunch = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH) != 0;
    }

    /** Opens device {@code ordinal}, initialising the driver if needed. */
    public static CudaDevice open(int ordinal) throws CudaUnavailableException {
        CudaDriver.initialise();
        try {
            return new CudaDevice(ordinal);
        } catch (CudaException e) {
            throw new CudaUnavailableException("CUDA device " + ordinal + " could not be opened: "
                    + CudaDriver.firstLine(e.getMessage()), e);
        }
    }

    private int attribute(int attribute) {
        int[] value = new int[1];
        cuDeviceGetAttribute(value, attribute, device);
        return value[0];
    }

    /** Makes this device's context current on the calling thread (JCuda calls come from any thread). */
    public void makeCurrent() {
        cuCtxSetCurrent(context);
    }

    public String name() {
        return name;
    }

    public int computeCapability() {
        return computeMajor * 10 + computeMinor;
    }

    public int multiprocessors() {
        return multiprocessors;
    }

    /** The most dynamic + static shared memory one block may opt into. */
    public int maxSharedPerBlock() {
        return maxSharedPerBlock;
    }

    public int maxSharedPerMultiprocessor() {
        return maxSharedPerMultiprocessor;
    }

    public boolean clusterLaunch() {
        return clusterLaunch;
    }

    public String describe() {
        return name + " (cuda:" + ordinal + ", sm_" + computeCapability() + ", " + multiprocessors + " SMs)";
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            cuDevicePrimaryCtxRelease(device);
        }
    }
}
