package io.distillab.training.cuda;

/** No usable CUDA GPU: no driver library, no device, or the driver refused to start. */
public final class CudaUnavailableException extends Exception {
    public CudaUnavailableException(String reason) {
        super(reason);
    }

    public CudaUnavailableException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
