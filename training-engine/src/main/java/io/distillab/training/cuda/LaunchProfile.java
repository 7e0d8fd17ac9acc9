package io.distillab.training.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;

import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;

/**
 * Device time by launch name, for finding where a training step's time goes on a machine without
 * Nsight Systems. A {@link Kernels} or {@link Cublas} given this profile brackets each launch with
 * two CUDA events on the default stream; {@link #collect} waits for the device and adds each pair's
 * elapsed time to the launch's name in a {@link LaunchTotals}. Each pair costs the host two more
 * driver calls, so a profiled step is slower than a plain one: the device times are the measurement,
 * the profiled step's wall time only bounds how busy the device was.
 */
public final class LaunchProfile implements AutoCloseable {
    private final List<CUevent> starts = new ArrayList<>();
    private final List<CUevent> stops = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private int used;
    private final LaunchTotals totals = new LaunchTotals();

    /** Records the start of a launch named {@code name}; returns the mark {@link #end} takes. */
    public int begin(String name) {
        if (used == starts.size()) {
            CUevent start = new CUevent();
            CUevent stop = new CUevent();
            cuEventCreate(start, CUevent_flags.CU_EVENT_DEFAULT);
            cuEventCreate(stop, CUevent_flags.CU_EVENT_DEFAULT);
            starts.add(start);
            stops.add(stop);
            names.add(name);
        } else {
            names.set(used, name);
        }
        cuEventRecord(starts.get(used), new CUstream());
        return used++;
    }

    public void end(int mark) {
        cuEventRecord(stops.get(mark), new CUstream());
    }

    /** Waits for the device, adds every recorded launch to the totals, and starts a new round. */
    public LaunchTotals collect() {
        cuCtxSynchronize();
        float[] ms = new float[1];
        for (int i = 0; i < used; i++) {
            cuEventElapsedTime(ms, starts.get(i), stops.get(i));
            totals.add(names.get(i), ms[0]);
        }
        used = 0;
        return totals;
    }

    @Override
    public void close() {
        for (int i = 0; i < starts.size(); i++) {
            cuEventDestroy(starts.get(i));
            cuEventDestroy(stops.get(i));
        }
        starts.clear();
        stops.clear();
    }
}
