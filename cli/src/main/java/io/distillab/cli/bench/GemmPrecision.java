package io.distillab.cli.bench;

import io.distillab.training.cuda.Cublas;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The precisions {@code distillab bench gemm} runs, each with the tolerance of its check on
 * ||out - ref|| / ||ref|| against a double-precision CPU product of the same (rounded) inputs:
 * float32 accumulates K products with float32 rounding (1e-5 for K up to a few hundred); TF32
 * rounds both operands to 10 mantissa bits (unit roundoff 2^-11 = 4.9e-4 per operand, so 3e-3
 * leaves room); bfloat16 operands are exact in the reference, the bfloat16 output rounds to 8 bits
 * (2^-9 = 2e-3 relative), 1e-2 leaves room.
 */
enum GemmPrecision {
    F32("f32", Cublas.DType.F32, Cublas.Compute.FP32, 1e-5),
    TF32("tf32", Cublas.DType.F32, Cublas.Compute.TF32, 3e-3),
    BF16("bf16", Cublas.DType.BF16, Cublas.Compute.FP32, 1e-2);

    final String label;
    final Cublas.DType dtype;
    final Cublas.Compute compute;
    final double tolerance;

    GemmPrecision(String label, Cublas.DType dtype, Cublas.Compute compute, double tolerance) {
        this.label = label;
        this.dtype = dtype;
        this.compute = compute;
        this.tolerance = tolerance;
    }

    static List<GemmPrecision> parse(String[] labels) {
        List<GemmPrecision> precisions = new ArrayList<>();
        for (String label : labels) {
            String l = label.strip().toLowerCase(Locale.ROOT);
            GemmPrecision p = switch (l) {
                case "f32", "fp32", "float32" -> F32;
                case "tf32" -> TF32;
                case "bf16", "bfloat16" -> BF16;
                default -> throw new IllegalArgumentException("unknown '" + label.strip() + "' (f32, tf32 or bf16)");
            };
            if (!precisions.contains(p)) {
                precisions.add(p);
            }
        }
        return precisions;
    }
}
