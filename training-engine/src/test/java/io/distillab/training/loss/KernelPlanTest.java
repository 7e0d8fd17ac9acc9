package io.distillab.training.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.training.loss.Logits.Precision;
import org.junit.jupiter.api.Test;

class KernelPlanTest {
    // H100/H200: thread-block clusters.
    private static KernelPlan.Problem hopper(Precision precision, int rows, int vocab) {
        return new KernelPlan.Problem(precision, rows, vocab, true);
    }

    // An Ampere-like GPU: no clusters.
    private static KernelPlan.Problem ampere(Precision precision, int rows, int vocab) {
        return new KernelPlan.Problem(precision, rows, vocab, false);
    }

    @Test
    void theDefaultIsStreamingOneBlockPerRow() {
        KernelPlan p = KernelPlan.choose(hopper(Precision.FLOAT32, 8192, 151936));
        assertEquals("span_masked_loss_f32_streaming", p.kernel());
        assertEquals(8192, p.blocks());
        assertEquals(1, p.cluster());
        assertTrue(p.streaming() && !p.split());
        assertEquals("streaming", p.label());
    }

    @Test
    void parsesOverrides() {
        KernelPlan.Problem p = hopper(Precision.BFLOAT16, 64, 128256);
        assertEquals("span_masked_loss_bf16_streaming", KernelPlan.parse("streaming", p).kernel());
        assertEquals("span_masked_loss_bf16_streaming", KernelPlan.parse(" AUTO ", p).kernel()); // measured faster
        // the retired kernels are names no more (docs/performance.md, "Retired kernels")
        for (String retired : new String[] {"cached", "c1", "c8", "c16", "s8", "s16", "s16o3", "s16o4", "s16b1", "s16h"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KernelPlan.parse(retired, hopper(Precision.FLOAT32, 64, 128256)), retired);
            assertTrue(e.getMessage().contains("s4o3"), e.getMessage());
        }
    }

    @Test
    void splitPlansCoverEachRowWithAClusterOfBlocks() {
        KernelPlan.Problem p = hopper(Precision.FLOAT32, 8192, 151936);
        KernelPlan s8o4 = KernelPlan.parse("s8o4", p);
        assertEquals("span_masked_loss_f32_split_c8_o4", s8o4.kernel());
        assertEquals("split c8 o4", s8o4.label());
        assertEquals(8 * 8192, s8o4.blocks());
        assertTrue(s8o4.split() && !s8o4.streaming());
        // 151936 / 8 = 18992 elements, already a multiple of the 4-float group
        assertEquals(18992, s8o4.sliceElements());
        assertEquals("span_masked_loss_f32_split_c4_o3", KernelPlan.parse("s4o3", p).kernel());
        // V = 1001 over 4 blocks: 251 elements each, rounded up to the group: 252; 4 x 252 covers the row
        assertEquals(252, KernelPlan.parse("s4o3", hopper(Precision.FLOAT32, 8, 1001)).sliceElements());
        assertEquals("split c8 o3", KernelPlan.parse("s8o3", p).label());
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("s8o3", hopper(Precision.BFLOAT16, 8, 1001)),
                "split is float32 only");
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("s4o4", p));
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("s8o4", ampere(Precision.FLOAT32, 8, 1001)),
                "no clusters");
    }
}
