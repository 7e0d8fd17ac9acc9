package io.distillab.training.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * The entry points of one loaded kernel module, launched by name with plain Java arguments:
 * a {@link DeviceBuffer} or {@link CUdeviceptr} becomes a device pointer (null: a null pointer),
 * Integer an int, Long a long long, Float a float. Launches are asynchronous on the default
 * stream; errors of a launch surface at the next synchronising call.
 */
public final class Kernels implements AutoCloseable {
    /** Threads of a block for the element-wise and warp-per-row kernels. */
    public static final int BLOCK = 256;
    /** Grid cap of the grid-stride kernels: enough blocks to fill any current GPU several times. */
    private static final int MAX_GRID = 132 * 32;

    private final CudaDevice gpu;
    private final CudaModule module;
    /** Dynamic shared memory a block may use without opting in. */
    private static final int DEFAULT_DYNAMIC_SHARED = 48 * 1024;

    private final Map<String, CUfunction> functions = new HashMap<>();
    /** The dynamic shared memory each function has been opted into (absent: the 48 KB default). */
    private final Map<String, Integer> sharedOptIn = new HashMap<>();
    private LaunchProfile profile;   // null: launches are not timed

    private Kernels(CudaDevice gpu, CudaModule module) {
        this.gpu = gpu;
        this.module = module;
    }

    /** Loads {@code source}'s PTX (see {@link PtxResource}) on {@code gpu}. */
    public static Kernels load(CudaDevice gpu, String source) throws CudaUnavailableException {
        return new Kernels(gpu, CudaModule.load(gpu, source));
    }

    public CudaDevice gpu() {
        return gpu;
    }

    /** Times every later launch under its kernel's name in {@code profile} (null: stop timing). */
    public void profile(LaunchProfile profile) {
        this.profile = profile;
    }

    /** Launches {@code name} on a grid of {@code grid} blocks of {@code block} threads. */
    public void launch(String name, int grid, int block, Object... args) {
        launchWithSharedMemory(name, grid, block, 0, args);
    }

    /**
     * Launches {@code name} with {@code sharedBytes} of dynamic shared memory, opting the function
     * into more than 48 KB first where needed (the device's limit is {@link CudaDevice#maxSharedPerBlock()}).
     * A separate name, not an overload of {@link #launch}: an int first argument would otherwise be
     * taken for the size.
     */
    public void launchWithSharedMemory(String name, int grid, int block, int sharedBytes, Object... args) {
        CUfunction f = functions.computeIfAbsent(name, n -> module.function(n).orElseThrow(() ->
                new IllegalArgumentException("kernel " + n + " is not in " + module.ptx().target().suffix() + " PTX")));
        if (sharedBytes > sharedOptIn.getOrDefault(name, DEFAULT_DYNAMIC_SHARED)) {
            cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes);
            sharedOptIn.put(name, sharedBytes);
        }
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = parameter(args[i], name, i);
        }
        int mark = profile == null ? -1 : profile.begin(name);
        try {
            cuLaunchKernel(f, Math.max(1, grid), 1, 1, block, 1, 1, sharedBytes, null, Pointer.to(params), null);
        } finally {
            if (mark >= 0) {
                profile.end(mark);
            }
        }
    }

    /** Launches a grid-stride kernel over {@code elements} elements. */
    public void launchElementwise(String name, long elements, Object... args) {
        launch(name, gridFor(elements, BLOCK), BLOCK, args);
    }

    /** Blocks of {@code perBlock} work items each to cover {@code items}, capped for grid-stride loops. */
    public static int gridFor(long items, int perBlock) {
        return (int) Math.max(1, Math.min(MAX_GRID, (items + perBlock - 1) / perBlock));
    }

    /** Blocks of {@code perBlock} items to cover {@code items} exactly (no grid-stride loop in the kernel). */
    public static int blocksFor(long items, int perBlock) {
        long blocks = (items + perBlock - 1) / perBlock;
        if (blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(items + " items need more than 2^31 blocks");
        }
        return (int) Math.max(1, blocks);
    }

    static Pointer parameter(Object arg, String kernel, int index) {
        if (arg == null) {
            return Pointer.to(new CUdeviceptr());
        } else if (arg instanceof DeviceBuffer b) {
            return Pointer.to(b.pointer());
        } else if (arg instanceof CUdeviceptr p) {
            return Pointer.to(p);
        } else if (arg instanceof Integer i) {
            return Pointer.to(new int[] {i});
        } else if (arg instanceof Long l) {
            return Pointer.to(new long[] {l});
        } else if (arg instanceof Float f) {
            return Pointer.to(new float[] {f});
        }
        throw new IllegalArgumentException(kernel + ": argument " + index + " of type "
                + arg.getClass().getSimpleName() + " is not a kernel parameter type");
    }

    @Override
    public void close() {
        module.close();
    }
}
