package io.distillab.training.model;

import java.util.Locale;

/**
 * The arithmetic of the GPU's matrix products (--precision). Weights are float32 masters either
 * way, and so are the optimizer's moments, the residual stream, statistics and weight gradients.
 * <ul>
 * <li>FP32: products in full float32 (the check against the CPU engine).</li>
 * <li>TF32: float32 operands, the tensor cores' TF32 products with float32 accumulation.</li>
 * <li>BF16: the products' operands in bfloat16 (a bfloat16 copy of each weight refreshed by the
 *     optimizer, activations written in bfloat16 where they feed a product), float32
 *     accumulation. The GPU default.</li>
 * </ul>
 */
public enum Precision {
    FP32, TF32, BF16;

    /** Whether product operands are stored in bfloat16. */
    public boolean bf16() {
        return this == BF16;
    }

    /** Bytes of one product operand element. */
    public int operandBytes() {
        return this == BF16 ? 2 : 4;
    }

    /** Kernel entry suffix of the product type. */
    public String suffix() {
        return this == BF16 ? "_bf16" : "_f32";
    }

    public static Precision parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "fp32", "f32", "float32" -> FP32;
            case "tf32" -> TF32;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("unknown precision '" + s + "' (expected fp32, tf32 or bf16)");
        };
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
