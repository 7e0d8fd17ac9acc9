package io.distillab.training.loss;

/**
 * bfloat16 values stored as the upper 16 bits of a float32 (uint16 in {@code .npy} files).
 * Rounding is to nearest, ties to even, as on the GPU.
 */
public final class BFloat16 {
    private BFloat16() {
    }

    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Rounds a float to the nearest bfloat16; NaN stays a quiet NaN. */
    public static short round(float value) {
        int u = Float.floatToRawIntBits(value);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) 0x7fc0;
        }
        return (short) ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16);
    }

    /**
     * Rounds a double to the nearest bfloat16 in one step. Going through float with
     * round-to-nearest would round twice, which can miss the nearest value at a tie; rounding to
     * float "to odd" keeps the information a second rounding needs (float has 16 more bits).
     */
    public static short round(double value) {
        float f = (float) value;
        if (Float.isNaN(f) || Float.isInfinite(f) || (double) f == value) {
            return round(f);
        }
        int bits = Float.floatToRawIntBits(f);
        if (Math.abs((double) f) > Math.abs(value)) {
            bits -= 1; // rounded away from zero: step back to the truncated value
        }
        return round(Float.intBitsToFloat(bits | 1));
    }
}
