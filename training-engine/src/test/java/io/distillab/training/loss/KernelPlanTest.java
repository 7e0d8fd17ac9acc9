package io.distillab.training.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.training.loss.Logits.Precision;
import org.junit.jupiter.api.Test;

class KernelPlanTest {
    // H100/H200: 132 SMs, 227 KiB opt-in per block, 228 KiB per SM, clusters.
    private static KernelPlan.Problem hopper(Precision precision, int rows, int vocab, boolean teacher) {
        return new KernelPlan.Problem(precision, rows, vocab, teacher ? 2 : 1, 132, 232448, 233472, true);
    }

    // An Ampere-like GPU without clusters: 108 SMs, 163 KiB per block.
    private static KernelPlan.Problem ampere(Precision precision, int rows, int vocab, boolean teacher) {
        return new KernelPlan.Problem(precision, rows, vocab, teacher ? 2 : 1, 108, 166912, 167936, false);
    }

    @Test
    void qwenVocabularyOnHopperUsesClustersSizedForTwoBlocksPerSm() {
        KernelPlan f32 = KernelPlan.chooseCached(hopper(Precision.FLOAT32, 8192, 151936, true));
        assertEquals("span_masked_loss_f32_cached_c16", f32.kernel());
        assertEquals(9496, f32.sliceElements());
        assertEquals((9496 / 4 + 1) * 16 * 2, f32.sharedBytes());
        assertEquals(8192 * 16, f32.blocks());
        // bfloat16 is widened to float32 in shared memory: the same bytes per element as float32
        KernelPlan bf16 = KernelPlan.chooseCached(hopper(Precision.BFLOAT16, 8192, 151936, true));
        assertEquals("span_masked_loss_bf16_cached_c16", bf16.kernel());
        assertEquals(9496, bf16.sliceElements());
        assertEquals((9496 / 8 + 1) * 8 * 4 * 2, bf16.sharedBytes());
        KernelPlan sparse = KernelPlan.chooseCached(hopper(Precision.FLOAT32, 8192, 151936, false));
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
        KernelPlan plan = KernelPlan.chooseCached(hopper(Precision.FLOAT32, 4, 32000, true));
        assertEquals(16, plan.cluster()); // 4 rows x 16 blocks still under 2 per SM; stops at 16
        KernelPlan big = KernelPlan.chooseCached(hopper(Precision.FLOAT32, 4096, 32000, true));
        assertEquals(4, big.cluster()); // 32000 * 8 B / 4 = 64 KB per block
        KernelPlan threeTensors = KernelPlan.chooseCached(new KernelPlan.Problem(Precision.FLOAT32, 4096, 32000, 3, 132,
                232448, 233472, true));
        assertEquals(4, threeTensors.cluster()); // 96 KB per block still lets two blocks share an SM
    }

    @Test
    void withoutClustersLongRowsStream() {
        assertEquals("span_masked_loss_f32_cached_c1",
                KernelPlan.chooseCached(ampere(Precision.FLOAT32, 1024, 8000, true)).kernel());
        KernelPlan streaming = KernelPlan.chooseCached(ampere(Precision.FLOAT32, 1024, 151936, true));
        assertTrue(streaming.streaming());
        assertEquals(1024, streaming.blocks());
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("c8", ampere(Precision.FLOAT32, 8, 800, true)));
    }

    @Test
    void parsesOverrides() {
        KernelPlan.Problem p = hopper(Precision.BFLOAT16, 64, 128256, true);
        assertEquals("span_masked_loss_bf16_streaming", KernelPlan.parse("streaming", p).kernel());
        assertEquals(8, KernelPlan.parse("c8", p).cluster());
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("c4", p)); // 256 KB of float32 per block
        assertEquals(KernelPlan.chooseCached(p), KernelPlan.parse("cached", p));
        assertEquals("span_masked_loss_bf16_streaming", KernelPlan.parse("auto", p).kernel()); // measured faster
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("c3", p));
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("c1", p)); // 1 MB of shared memory
    }

    @Test
    void splitPlansCoverEachRowWithAClusterAndNoSharedMemory() {
        KernelPlan.Problem p = hopper(Precision.FLOAT32, 8192, 151936, true);
        KernelPlan s16 = KernelPlan.parse("s16", p);
        assertEquals("span_masked_loss_f32_split_c16", s16.kernel());
        assertEquals("split c16", s16.label());
        assertEquals(16 * 8192, s16.blocks());
        assertEquals(0, s16.sharedBytes());
        assertTrue(s16.split() && !s16.streaming());
        assertTrue(16L * s16.sliceElements() >= 151936 && s16.sliceElements() % 4 == 0);
        assertEquals("split c16 o3", KernelPlan.parse("s16o3", p).label());
        assertEquals("span_masked_loss_f32_split_c16_h", KernelPlan.parse("s16h", p).kernel());
        assertEquals("span_masked_loss_bf16_split_c8",
                KernelPlan.parse("s8", hopper(Precision.BFLOAT16, 8, 1001, true)).kernel());
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("s16b1", hopper(Precision.BFLOAT16, 8, 1001, true)));
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("s4", p));
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("s2o3", p));
        assertEquals("span_masked_loss_f32_split_c4_o3", KernelPlan.parse("s4o3", p).kernel());
        assertEquals("split c8 o3", KernelPlan.parse("s8o3", p).label());
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("s8b1", p));
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("s16", ampere(Precision.FLOAT32, 8, 1001, true)));
    }
}
