package io.distillab.training.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.training.loss.Logits.Precision;
import org.junit.jupiter.api.Test;

class KernelPlanTest {
    // H100/H200: 132 SMs, 227 KiB opt-in per block, 228 KiB per SM, clusters.
    private static KernelPlan.Problem hopper(Precision precision, int rows, int vocab, boolean teacher) {
        return new KernelPlan.Problem(precision, rows, vocab, teacher, 132, 232448, 233472, true);
    }

    // An Ampere-like GPU without clusters: 108 SMs, 163 KiB per block.
    private static KernelPlan.Problem ampere(Precision precision, int rows, int vocab, boolean teacher) {
        return new KernelPlan.Problem(precision, rows, vocab, teacher, 108, 166912, 167936, false);
    }

    @Test
    void qwenVocabularyOnHopperUsesClustersSizedForTwoBlocksPerSm() {
        KernelPlan f32 = KernelPlan.choose(hopper(Precision.FLOAT32, 8192, 151936, true));
        assertEquals("span_masked_loss_f32_cached_c16", f32.kernel());
        assertEquals(9496, f32.sliceElements());
        assertEquals((9496 / 4 + 1) * 16 * 2, f32.sharedBytes());
        assertEquals(8192 * 16, f32.blocks());
        KernelPlan bf16 = KernelPlan.choose(hopper(Precision.BFLOAT16, 8192, 151936, true));
        assertEquals("span_masked_loss_bf16_cached_c8", bf16.kernel());
        assertEquals(18992, bf16.sliceElements());
        KernelPlan sparse = KernelPlan.choose(hopper(Precision.FLOAT32, 8192, 151936, false));
        assertEquals(8, sparse.cluster());
    }

    @Test
    void slicesCoverTheRowInWholeGroups() {
        for (Precision p : Precision.values()) {
            for (int vocab : new int[] {1, 7, 50257, 128256, 151936}) {
                for (int cluster : KernelPlan.CLUSTERS) {
                    int slice = KernelPlan.sliceElements(p, vocab, cluster);
                    assertEquals(0, slice % (16 / p.bytes()));
                    assertTrue((long) slice * cluster >= vocab);
                    assertTrue((long) slice * (cluster - 1) < vocab || slice <= 16 / p.bytes());
                }
            }
        }
    }

    @Test
    void smallBatchesSpreadRowsOverMoreBlocks() {
        KernelPlan plan = KernelPlan.choose(hopper(Precision.FLOAT32, 4, 32000, true));
        assertEquals(16, plan.cluster()); // 4 rows x 16 blocks still under 2 per SM; stops at 16
        KernelPlan big = KernelPlan.choose(hopper(Precision.FLOAT32, 4096, 32000, true));
        assertEquals(4, big.cluster()); // 32000 * 8 B / 4 = 64 KB per block
    }

    @Test
    void withoutClustersLongRowsStream() {
        assertEquals("span_masked_loss_f32_cached_c1",
                KernelPlan.choose(ampere(Precision.FLOAT32, 1024, 8000, true)).kernel());
        KernelPlan streaming = KernelPlan.choose(ampere(Precision.FLOAT32, 1024, 151936, true));
        assertTrue(streaming.streaming());
        assertEquals(1024, streaming.blocks());
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("c8", ampere(Precision.FLOAT32, 8, 800, true)));
    }

    @Test
    void parsesOverrides() {
        KernelPlan.Problem p = hopper(Precision.BFLOAT16, 64, 128256, true);
        assertEquals("span_masked_loss_bf16_streaming", KernelPlan.parse("streaming", p).kernel());
        assertEquals(4, KernelPlan.parse("c4", p).cluster());
        assertEquals(KernelPlan.choose(p), KernelPlan.parse("auto", p));
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("c3", p));
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("c1", p)); // 1 MB of shared memory
    }
}
