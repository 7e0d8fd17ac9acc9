package io.distillab.training.cuda;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.io.IOException;
import java.util.Optional;
import jcuda.CudaException;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

/**
 * A kernel module loaded from PTX with {@code cuModuleLoadData}; the driver compiles the PTX for
 * the device it runs on (and caches the result). sm_90 PTX on Hopper and newer, the portable
 * PTX elsewhere.
 */
public final class CudaModule implements AutoCloseable {
    private final CUmodule module = new CUmodule();
    private final PtxResource ptx;
    private boolean closed;

    private CudaModule(PtxResource ptx) {
        this.ptx = ptx;
        cuModuleLoadData(module, ptx.nulTerminated());
    }

    public static CudaModule load(CudaDevice device, String kernel) throws CudaUnavailableException {
        PtxResource.Target target = PtxResource.Target.forComputeCapability(device.computeCapability());
        try {
            device.makeCurrent();
            return new CudaModule(PtxResource.load(kernel, target));
        } catch (IOException e) {
            throw new CudaUnavailableException(e.getMessage(), e);
        } catch (CudaException e) {
            throw new CudaUnavailableException("the driver could not load " + PtxResource.resourceName(kernel, target)
                    + ": " + CudaDriver.firstLine(e.getMessage()), e);
        }
    }

    /** The entry point of that name, or empty when this PTX does not have it (e.g. cluster kernels in the portable PTX). */
    public Optional<CUfunction> function(String name) {
        CUfunction function = new CUfunction();
        try {
            cuModuleGetFunction(function, module, name);
            return Optional.of(function);
        } catch (CudaException e) {
            if (e.getMessage() != null && e.getMessage().contains(CUresult.stringFor(CUresult.CUDA_ERROR_NOT_FOUND))) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public PtxResource ptx() {
        return ptx;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            cuModuleUnload(module);
        }
    }
}
