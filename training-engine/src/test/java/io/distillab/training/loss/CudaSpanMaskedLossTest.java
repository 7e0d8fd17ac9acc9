package io.distillab.training.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.distillab.training.cuda.CudaUnavailableException;
import io.distillab.training.loss.Logits.Precision;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CUDA path against the exact CPU path on fresh random inputs with NaN-poisoned outputs,
 * every kernel variant. Skipped (JUnit assumption) where there is no usable GPU; the large
 * shapes (N = 8192, V = 151936) are in training-engine/gpu/check-and-time.sh.
 */
class CudaSpanMaskedLossTest {
    private static CudaSpanMaskedLoss gpu;
    private static String unavailable;

    @BeforeAll
    static void open() {
        try {
            gpu = CudaSpanMaskedLoss.open();
        } catch (CudaUnavailableException e) {
            unavailable = e.getMessage();
        }
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    @Test
    void matchesTheCpuForEveryKernelPrecisionAndTeacher() {
        assumeTrue(gpu != null, () -> "no usable CUDA GPU: " + unavailable);
        CpuSpanMaskedLoss cpu = new CpuSpanMaskedLoss();
        long seed = System.nanoTime();
        List<String> failures = new ArrayList<>();
        for (Precision precision : Precision.values()) {
            for (int vocab : new int[] {1001, 32000}) {
                for (boolean sparse : new boolean[] {false, true}) {
                    RandomLossInputs spec = sparse ? RandomLossInputs.sparse(29, vocab, precision, 16)
                            : RandomLossInputs.dense(29, vocab, precision);
                    LossInputs in = spec.generate(seed++, 4);
                    for (LossConfig config : List.of(LossConfig.of(Preset.SAD), LossConfig.of(Preset.KD),
                            LossConfig.of(0.7, new double[] {0.3, 1, 0, 2}, new double[] {1, 0.5, 0.2, 0}))) {
                        LossResult ref = cpu.compute(in, config, true);
                        for (String kernel : new String[] {"auto", "streaming", "s4o3", "s8o3", "s8o4"}) {
                            CudaSpanMaskedLoss.Launch launch;
                            try {
                                launch = gpu.prepare(in, config, kernel);
                            } catch (IllegalArgumentException e) {
                                continue; // this variant does not fit the shape or the device
                            }
                            try (launch) {
                                launch.poison();
                                launch.run();
                                LossComparison.Report r = LossComparison.compare(in, config, ref, launch.result(true),
                                        1e-5, 4);
                                if (!r.passed()) {
                                    failures.add(spec.describe() + " " + config + " " + kernel + ": " + r.summary());
                                }
                            }
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), failures, "seed " + seed);
    }

    @Test
    void withoutAGpuAutoFallsBackWithOneLineAndCudaFails() throws Exception {
        assumeFalse(gpu != null, "a GPU is present");
        List<String> log = new ArrayList<>();
        try (SpanMaskedLoss engine = LossEngines.open(Device.AUTO, 1, log::add)) {
            assertEquals("cpu", engine.device());
        }
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).contains("computing the loss on the CPU") && !log.get(0).contains("\n"), log.get(0));
        assertThrows(CudaUnavailableException.class, () -> LossEngines.open(Device.CUDA, 1, log::add));
    }
}
