package io.distillab.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Both matrix-product paths (OpenBLAS and the plain-Java fallback) against a float64 triple
 * loop, for every transpose combination, alpha and beta. Tolerance 1e-5 relative to the largest
 * |C| (float32 sums of 37 terms).
 */
class MatmulTest {
    @Test
    void everyTransposeCombinationMatchesADoubleLoop() {
        Random rnd = new Random(3);
        int M = 13, N = 7, K = 37;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] a = random(rnd, M * K), b = random(rnd, K * N), c0 = random(rnd, M * N);
                double[] expected = new double[M * N];
                double max = 0;
                for (int i = 0; i < M; i++) {
                    for (int j = 0; j < N; j++) {
                        double s = 0;
                        for (int p = 0; p < K; p++) {
                            s += (double) (ta ? a[p * M + i] : a[i * K + p]) * (tb ? b[j * K + p] : b[p * N + j]);
                        }
                        expected[i * N + j] = 0.5 * c0[i * N + j] + 1.5 * s;
                        max = Math.max(max, Math.abs(expected[i * N + j]));
                    }
                }
                float[] nativeC = c0.clone(), javaC = c0.clone();
                Matmul.gemm(new Workers(2), ta, tb, M, N, K, 1.5f, a, b, 0.5f, nativeC);
                Matmul.javaGemm(new Workers(2), ta, tb, M, N, K, 1.5f, a, b, 0.5f, javaC);
                for (int i = 0; i < M * N; i++) {
                    assertEquals(expected[i], nativeC[i], 1e-5 * max, Matmul.backend() + " transA=" + ta + " transB=" + tb);
                    assertEquals(expected[i], javaC[i], 1e-5 * max, "java transA=" + ta + " transB=" + tb);
                }
            }
        }
    }

    @Test
    void openBlasLoadsOnLinuxX86() {
        if (System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64")) {
            assertEquals("openblas", Matmul.backend());
        }
    }

    static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
