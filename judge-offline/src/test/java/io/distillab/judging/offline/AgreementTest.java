package io.distillab.judging.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AgreementTest {

    @Test
    void agreementIsOneWhenEqualAndZeroAgainstNothing() {
        assertEquals(1.0, Agreement.agree(0, 0, 0.25), 0);
        assertEquals(1.0, Agreement.agree(0.7, 0.7, 0.25), 0);
        assertEquals(0.0, Agreement.agree(0, 1, 0.25), 0);
        // below the floor a difference only counts in proportion: 0.05 of 0.25
        assertEquals(0.8, Agreement.agree(0, 0.05, 0.25), 1e-12);
        assertEquals(Agreement.agree(2, 3, 1), Agreement.agree(3, 2, 1), 0);
    }

    @Test
    void similarityMapsOntoOneToFiveWithHalvesUp() {
        assertEquals(1, Agreement.score(0));
        assertEquals(1, Agreement.score(-0.3));
        assertEquals(2, Agreement.score(0.125)); // 4 * 0.125 = 0.5 rounds up
        assertEquals(3, Agreement.score(0.5));
        assertEquals(5, Agreement.score(0.875));
        assertEquals(5, Agreement.score(1.4));
    }

    @Test
    void rescaleClampsToTheUnitInterval() {
        assertEquals(0, Agreement.rescale(0.1, 0.2, 0.9), 0);
        assertEquals(0.5, Agreement.rescale(0.55, 0.2, 0.9), 1e-12);
        assertEquals(1, Agreement.rescale(0.95, 0.2, 0.9), 0);
    }
}
