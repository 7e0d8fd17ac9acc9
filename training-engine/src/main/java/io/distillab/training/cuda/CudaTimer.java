package io.distillab.training.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import java.util.Arrays;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;

/**
 * Times device work with CUDA events on the default stream: warm-up runs first (module JIT,
 * first-touch), then each timed run between its own pair of events, reported as the median.
 */
public final class CudaTimer {
    private CudaTimer() {
    }

    /** Milliseconds of each of {@code repeats} runs of {@code work}, after {@code warmup} untimed runs, sorted. */
    public static float[] time(Runnable work, int warmup, int repeats) {
        CUevent start = new CUevent();
        CUevent stop = new CUevent();
        cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT);
        cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT);
        try {
            for (int i = 0; i < warmup; i++) {
                work.run();
            }
            float[] millis = new float[repeats];
            float[] elapsed = new float[1];
            for (int i = 0; i < repeats; i++) {
                cuEventRecord(start, new CUstream());
                work.run();
                cuEventRecord(stop, new CUstream());
                cuEventSynchronize(stop);
                cuEventElapsedTime(elapsed, start, stop);
                millis[i] = elapsed[0];
            }
            Arrays.sort(millis);
            return millis;
        } finally {
            cuEventDestroy(start);
            cuEventDestroy(stop);
        }
    }

    public static float median(float[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
