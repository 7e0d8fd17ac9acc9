package io.distillab.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One row-major GEMM shape of {@code distillab bench gemm}: C[M,N] = op(A)[M,K] op(B)[K,N]. */
record GemmProblem(String name, boolean transA, boolean transB, int m, int n, int k) {
    /** GPT-2 124M's rows of one step at B=16, T=1024. */
    static final int GPT2_ROWS = 16384;
    static final int GPT2_CHANNELS = 768;

    /** Multiply-adds times two. */
    double flops() {
        return 2.0 * m * n * k;
    }

    /** Elements of the larger input operand. */
    long largestOperand() {
        return Math.max((long) m * k, (long) k * n);
    }

    String transposes() {
        return (transA ? "t" : "n") + (transB ? "t" : "n");
    }

    /**
     * 8192^3, then GPT-2 124M's products as llm.c lays them out (a weight is stored
     * [out, in]): forward {@code out = inp . W^T} (nt), backward {@code dinp = dout . W} (nn) and
     * {@code dW = dout^T . inp} (tn), for the qkv (2304), attention-projection (768), fc (3072)
     * and fc-projection (768 out of 3072) layers.
     */
    static List<GemmProblem> defaults() {
        List<GemmProblem> problems = new ArrayList<>();
        problems.add(new GemmProblem("square", false, false, 8192, 8192, 8192));
        int[][] layers = {{2304, GPT2_CHANNELS}, {GPT2_CHANNELS, GPT2_CHANNELS}, {3072, GPT2_CHANNELS},
            {GPT2_CHANNELS, 3072}};
        String[] names = {"qkv", "attproj", "fc", "fcproj"};
        for (int i = 0; i < layers.length; i++) {
            int out = layers[i][0];
            int in = layers[i][1];
            problems.add(new GemmProblem(names[i] + ".fwd", false, true, GPT2_ROWS, out, in));
            problems.add(new GemmProblem(names[i] + ".dinp", false, false, GPT2_ROWS, in, out));
            problems.add(new GemmProblem(names[i] + ".dW", true, false, out, in, GPT2_ROWS));
        }
        return problems;
    }

    /**
     * {@code M,N,K[,tt]} items separated by {@code ;}, tt being nn (default), nt, tn or tt: which of
     * A and B are transposed.
     */
    static List<GemmProblem> parse(String sizes) {
        List<GemmProblem> problems = new ArrayList<>();
        for (String item : sizes.split(";")) {
            String spec = item.strip();
            if (spec.isEmpty()) {
                continue;
            }
            String[] parts = spec.split(",");
            if (parts.length != 3 && parts.length != 4) {
                throw new IllegalArgumentException("'" + spec + "' is not M,N,K or M,N,K,tt");
            }
            int[] mnk = new int[3];
            for (int i = 0; i < 3; i++) {
                try {
                    mnk[i] = Integer.parseInt(parts[i].strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + spec + "': '" + parts[i].strip() + "' is not a whole number");
                }
                if (mnk[i] < 1) {
                    throw new IllegalArgumentException("'" + spec + "': sizes must be at least 1");
                }
            }
            String tt = parts.length == 4 ? parts[3].strip().toLowerCase(Locale.ROOT) : "nn";
            if (!tt.matches("[nt][nt]")) {
                throw new IllegalArgumentException("'" + spec + "': transposes '" + tt + "' are not nn, nt, tn or tt");
            }
            problems.add(new GemmProblem(mnk[0] + "x" + mnk[1] + "x" + mnk[2], tt.charAt(0) == 't', tt.charAt(1) == 't',
                    mnk[0], mnk[1], mnk[2]));
        }
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("no sizes given");
        }
        return problems;
    }
}
