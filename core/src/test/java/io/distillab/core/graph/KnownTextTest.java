package io.distillab.core.graph;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KnownTextTest {

    @Test
    void theIndexStaysWithinItsCharacterBudgetAndStillAnswers() {
        // 40 distinct texts of 512 Ki characters: 20 MiB, more than twice the 8 Mi budget
        int length = 512 * 1024;
        for (int i = 0; i < 40; i++) {
            String text = ("text " + i + " ").repeat(length / 6).substring(0, length - 8) + "END" + String.format("%05d", i);
            assertTrue(KnownText.contains(text, "END" + String.format("%05d", i)));
            assertFalse(KnownText.contains(text, "absent-value"));
            assertTrue(KnownText.indexedChars() <= KnownText.MAX_INDEXED_CHARS,
                    () -> "indexed " + KnownText.indexedChars());
        }
    }
}
