package io.distillab.training.loss;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import io.distillab.training.cuda.CudaDevice;
import io.distillab.training.cuda.CudaModule;
import io.distillab.training.cuda.CudaTimer;
import io.distillab.training.cuda.CudaUnavailableException;
import io.distillab.training.cuda.DeviceBuffer;
import io.distillab.training.npy.NpyArray;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;

/**
 * The loss on a CUDA GPU through JCuda's driver API: span_masked_loss.cu, loaded as PTX, writes
 * each row's KL and CE and the whole gradient in one launch; the host sums the row parts in
 * double ({@link LossWeights#assemble}). Float32 arithmetic on the device; see the kernel source
 * for the error budget.
 */
public final class CudaSpanMaskedLoss implements SpanMaskedLoss {
    /** System property overriding the kernel choice: auto (streaming), streaming, s4o3, s8o3, s8o4 (see KernelPlan). */
    public static final String KERNEL_PROPERTY = "distillab.cuda.kernel";
    private static final String KERNEL_SOURCE = "span_masked_loss";

    private final CudaDevice gpu;
    private final CudaModule module;

    private CudaSpanMaskedLoss(CudaDevice gpu, CudaModule module) {
        this.gpu = gpu;
        this.module = module;
    }

    /** Opens GPU 0 and loads the kernels. */
    public static CudaSpanMaskedLoss open() throws CudaUnavailableException {
        CudaDevice gpu = CudaDevice.open(0);
        try {
            return new CudaSpanMaskedLoss(gpu, CudaModule.load(gpu, KERNEL_SOURCE));
        } catch (CudaUnavailableException | RuntimeException e) {
            gpu.close();
            throw e;
        }
    }

    /**
     * The kernel's coef[8] for rows of a batch with these span counts (the GPU trainer's chunks):
     * with {@code everyPart}, KL (given a teacher) and CE are computed on every row, also where
     * their weight is 0, as {@link CpuSpanMaskedLoss#computePart} does.
     */
    public static float[] coefficients(LossConfig config, SpanCounts counts, boolean teacher, boolean everyPart) {
        return new LossWeights(config, counts, teacher, everyPart).kernelCoefficients();
    }

    /** The one-block-per-row kernel for logits of this element type (float32 or bfloat16). */
    public static String streamingKernel(boolean bf16) {
        return bf16 ? "span_masked_loss_bf16_streaming" : "span_masked_loss_f32_streaming";
    }

    @Override
    public String device() {
        return "cuda";
    }

    public CudaDevice gpu() {
        return gpu;
    }

    public CudaModule module() {
        return module;
    }

    @Override
    public LossResult compute(LossInputs inputs, LossConfig config, boolean withGradient) {
        try (Launch launch = prepare(inputs, config, System.getProperty(KERNEL_PROPERTY, "auto"))) {
            launch.run();
            return launch.result(withGradient);
        }
    }

    /** Uploads the inputs and plans the launch; the caller runs, times and reads it back. */
    public Launch prepare(LossInputs inputs, LossConfig config, String kernel) {
        gpu.makeCurrent();
        return new Launch(inputs, config, kernel);
    }

    @Override
    public void close() {
        module.close();
        gpu.close();
    }

    /** One problem on the device: its buffers, its kernel plan, and the launch. */
    public final class Launch implements AutoCloseable {
        private final LossInputs inputs;
        private final LossConfig config;
        private final LossWeights weights;
        private final KernelPlan plan;
        private final CUfunction function;
        private final List<DeviceBuffer> buffers = new ArrayList<>();
        private final DeviceBuffer gradient;
        private final DeviceBuffer rowKl;
        private final DeviceBuffer rowCe;
        private final Pointer parameters;

        private Launch(LossInputs inputs, LossConfig config, String kernel) {
            this.inputs = inputs;
            this.config = config;
            this.weights = new LossWeights(inputs, config);
            int rows = inputs.rows();
            boolean teacherUsed = weights.anyKl();
            Teacher.Dense dense = inputs.teacher() instanceof Teacher.Dense d && teacherUsed ? d : null;
            Teacher.Sparse sparse = inputs.teacher() instanceof Teacher.Sparse s && teacherUsed ? s : null;
            KernelPlan.Problem problem = new KernelPlan.Problem(inputs.student().precision(), rows, inputs.vocab(),
                    gpu.clusterLaunch() && gpu.computeCapability() >= 90);
            this.plan = KernelPlan.parse(kernel, problem);
            this.function = module.function(plan.kernel()).orElseThrow(() -> new IllegalArgumentException(
                    "kernel " + plan.kernel() + " is not in " + module.ptx().target().suffix() + " PTX"));
            try {
                DeviceBuffer student = keep(DeviceBuffer.upload(inputs.student().array()));
                CUdeviceptr teacherPtr = dense != null ? keep(DeviceBuffer.upload(dense.logits().array())).pointer()
                        : new CUdeviceptr();
                CUdeviceptr indexPtr = sparse != null ? keep(DeviceBuffer.upload(sparse.index())).pointer()
                        : new CUdeviceptr();
                CUdeviceptr logProbPtr = sparse != null ? keep(DeviceBuffer.upload(sparse.logProb())).pointer()
                        : new CUdeviceptr();
                DeviceBuffer labels = keep(DeviceBuffer.upload(inputs.labels()));
                int[] spanCodes = new int[rows];
                for (int i = 0; i < rows; i++) {
                    spanCodes[i] = inputs.span(i);
                }
                DeviceBuffer spans = keep(DeviceBuffer.upload(spanCodes));
                DeviceBuffer coefficients = keep(DeviceBuffer.upload(weights.kernelCoefficients()));
                this.gradient = keep(DeviceBuffer.allocate(inputs.student().elementCount()
                        * inputs.student().precision().bytes()));
                this.rowKl = keep(DeviceBuffer.allocate(4L * rows));
                this.rowCe = keep(DeviceBuffer.allocate(4L * rows));
                List<Pointer> args = new ArrayList<>(List.of(
                        Pointer.to(student.pointer()), Pointer.to(teacherPtr), Pointer.to(indexPtr),
                        Pointer.to(logProbPtr), Pointer.to(new int[] {sparse != null ? sparse.k() : 0}),
                        Pointer.to(labels.pointer()), Pointer.to(spans.pointer()), Pointer.to(coefficients.pointer()),
                        Pointer.to(gradient.pointer()), Pointer.to(rowKl.pointer()), Pointer.to(rowCe.pointer()),
                        Pointer.to(new int[] {inputs.vocab()}), Pointer.to(new int[] {inputs.vocab()}), // vocab, row stride
                        Pointer.to(new float[] {(float) config.temperature()})));
                if (!plan.streaming()) {
                    args.add(Pointer.to(new int[] {plan.sliceElements()}));
                }
                this.parameters = Pointer.to(args.toArray(new Pointer[0]));
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private DeviceBuffer keep(DeviceBuffer buffer) {
            buffers.add(buffer);
            return buffer;
        }

        public KernelPlan plan() {
            return plan;
        }

        /** Queues the kernel (asynchronous). */
        public void launch() {
            cuLaunchKernel(function, plan.blocks(), 1, 1, KernelPlan.THREADS, 1, 1, 0, null,
                    parameters, null);
        }

        /** Runs the kernel and waits for it; launch and execution errors surface here. */
        public void run() {
            gpu.makeCurrent();
            launch();
            cuCtxSynchronize();
        }

        /** Fills the outputs with NaN, so anything the kernel fails to write shows. */
        public void poison() {
            gpu.makeCurrent();
            if (inputs.student().precision() == Logits.Precision.FLOAT32) {
                gradient.fill32(0x7fc00001);
            } else {
                gradient.fill16((short) 0x7fc1);
            }
            rowKl.fill32(0x7fc00001);
            rowCe.fill32(0x7fc00001);
            cuCtxSynchronize();
        }

        /** Kernel milliseconds of {@code repeats} launches (sorted), after {@code warmup}, timed with CUDA events. */
        public float[] time(int warmup, int repeats) {
            gpu.makeCurrent();
            return CudaTimer.time(this::launch, warmup, repeats);
        }

        /** Reads the row parts (and the gradient) back and assembles the loss. */
        public LossResult result(boolean withGradient) {
            gpu.makeCurrent();
            int rows = inputs.rows();
            float[] kl = new float[rows];
            float[] ce = new float[rows];
            rowKl.copyTo(kl);
            rowCe.copyTo(ce);
            Logits grad = null;
            if (withGradient) {
                grad = Logits.allocate(inputs.student().precision(), rows, inputs.vocab());
                NpyArray array = grad.array();
                gradient.copyTo(array);
            }
            double[] klRows = new double[rows];
            double[] ceRows = new double[rows];
            for (int i = 0; i < rows; i++) {
                klRows[i] = kl[i];
                ceRows[i] = ce[i];
            }
            return weights.assemble(inputs, klRows, ceRows, grad, device());
        }

        @Override
        public void close() {
            gpu.makeCurrent();
            for (DeviceBuffer b : buffers) {
                b.close();
            }
            buffers.clear();
        }
    }
}
