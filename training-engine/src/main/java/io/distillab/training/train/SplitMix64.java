package io.distillab.training.train;

/**
 * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014):
 * the state advances by the golden-ratio increment 0x9E3779B97F4A7C15 and each output is the
 * state through the MurmurHash3-style finaliser below. Written out here rather than taken from
 * {@code java.util.SplittableRandom} so that the data order a seed gives is fixed by this file,
 * whatever the JVM: a resumed run must draw exactly the rows the killed one would have.
 */
public final class SplitMix64 {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    /** A uniform double in [0, 1): the top 53 bits of the next output. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** A uniform integer in [0, bound), bound >= 1, by rejection (no modulo bias). */
    int nextInt(int bound) {
        if (bound < 1) {
            throw new IllegalArgumentException("bound must be >= 1, got " + bound);
        }
        // 63 random bits; reject the top partial block so every residue is equally likely
        long limit = Long.MAX_VALUE - Long.MAX_VALUE % bound;
        long r;
        do {
            r = nextLong() >>> 1;
        } while (r >= limit);
        return (int) (r % bound);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
