package io.distillab.training.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LossConfigTest {
    private static void assertTables(LossConfig c, double t, double[] kl, double[] ce) {
        assertEquals(t, c.temperature());
        for (int k = 0; k < 4; k++) {
            assertEquals(kl[k], c.klWeight(k), "wKL[" + k + "]");
            assertEquals(ce[k], c.ceWeight(k), "wCE[" + k + "]");
        }
    }

    @Test
    void presetsFollowTheSpec() {
        assertTables(LossConfig.of(Preset.SAD), 1, new double[] {1, 0, 0, 0}, new double[] {0, 1, 0, 0});
        assertTables(LossConfig.of(Preset.KD), 2, new double[] {0.5, 0.5, 0, 0}, new double[] {0.5, 0.5, 0, 0});
        assertTables(LossConfig.of(Preset.SFT), 1, new double[] {0, 0, 0, 0}, new double[] {1, 1, 0, 0});
    }

    @Test
    void explicitValuesOverrideThePreset() {
        assertTables(LossConfig.resolve(Preset.KD, 0.8, 3.0, null, null), 3, new double[] {0.8, 0.8, 0, 0},
                new double[] {1 - 0.8, 1 - 0.8, 0, 0});
        assertTables(LossConfig.resolve(Preset.SAD, null, 0.5, null, new double[] {1, 1, 1, 1}), 0.5,
                new double[] {1, 0, 0, 0}, new double[] {1, 1, 1, 1});
    }

    @Test
    void rejectsBadValues() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LossConfig.resolve(Preset.SAD, 0.5, null, null,
                null)).getMessage().contains("kd preset only"));
        assertThrows(IllegalArgumentException.class, () -> LossConfig.resolve(Preset.KD, 1.5, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> LossConfig.of(0, new double[4], new double[4]));
        assertThrows(IllegalArgumentException.class, () -> LossConfig.of(Double.NaN, new double[4], new double[4]));
        assertThrows(IllegalArgumentException.class, () -> LossConfig.of(1, new double[3], new double[4]));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LossConfig.of(1, new double[] {0, -1, 0, 0},
                new double[4])).getMessage().contains("wKL[action]"));
        assertThrows(IllegalArgumentException.class, () -> Preset.parse("dpo"));
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        assertEquals((short) 0x3f80, BFloat16.round(1.0f));
        assertEquals((short) 0x3f80, BFloat16.round(Float.intBitsToFloat(0x3f808000))); // tie, even stays
        assertEquals((short) 0x3f82, BFloat16.round(Float.intBitsToFloat(0x3f818000))); // tie, odd rounds up
        assertEquals((short) 0x3f81, BFloat16.round(Float.intBitsToFloat(0x3f808001)));
        assertEquals((short) 0x7fc0, BFloat16.round(Float.NaN));
        assertEquals(1.0f, BFloat16.toFloat((short) 0x3f80));
        // double rounding: just above a bfloat16 tie, but the nearest float is the tie itself
        double justAboveTie = Float.intBitsToFloat(0x3f808000) + 1e-12;
        assertEquals((short) 0x3f80, BFloat16.round((float) justAboveTie));
        assertEquals((short) 0x3f81, BFloat16.round(justAboveTie));
        assertEquals((short) 0xbf81, BFloat16.round(-justAboveTie));
    }
}
