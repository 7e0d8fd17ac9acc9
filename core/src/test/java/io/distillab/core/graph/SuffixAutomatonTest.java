package io.distillab.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SuffixAutomatonTest {
    @Test
    void agreesWithStringContainsOnRandomTextsAndQueries() {
        Random rnd = new Random(5);
        for (int round = 0; round < 40; round++) {
            String alphabet = round % 2 == 0 ? "ab" : "abcdXYZ-_ é";
            StringBuilder t = new StringBuilder();
            int n = rnd.nextInt(3000);
            for (int i = 0; i < n; i++) {
                t.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            String text = t.toString();
            SuffixAutomaton sa = new SuffixAutomaton(text);
            for (int q = 0; q < 300; q++) {
                String v;
                if (n > 0 && rnd.nextBoolean()) {
                    int a = rnd.nextInt(n);
                    v = text.substring(a, Math.min(n, a + 1 + rnd.nextInt(12)));
                    if (rnd.nextBoolean()) {
                        v = v + alphabet.charAt(rnd.nextInt(alphabet.length()));
                    }
                } else {
                    StringBuilder s = new StringBuilder();
                    for (int i = rnd.nextInt(10); i >= 0; i--) {
                        s.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                    }
                    v = s.toString();
                }
                assertEquals(text.contains(v), sa.contains(v), "'" + v + "' in text of " + n);
            }
            assertEquals(true, sa.contains(""));
        }
    }

    @Test
    void knownTextUsesTheIndexForLongTexts() {
        String policy = "x".repeat(5000) + " reservation ABC123 " + "y".repeat(5000);
        assertEquals(true, KnownText.contains(policy, "ABC123"));
        assertEquals(false, KnownText.contains(policy, "ABC124"));
        assertEquals(true, KnownText.contains(policy, "xy") == policy.contains("xy"));
    }
}
