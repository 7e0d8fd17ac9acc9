package io.distillab.judge.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.judge.rps.RpsAnswer;
import io.distillab.judge.rps.RpsRequest;
import io.distillab.judging.Stage;
import io.distillab.judging.offline.SentenceEmbedder;
import io.distillab.judge.support.JudgeTestProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Relations the documented formulas imply, not magic numbers. A Quarkus test only because the
 * ONNX tokenizer's native library can be loaded by one class loader per JVM, and the other
 * tests' application loads it first.
 */
@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class OfflineRpsScorerTest {

    private static final String ENTHUSIASTIC_1 = "Excellent! Perfect! Your seat is confirmed!";
    private static final String ENTHUSIASTIC_2 = "Great! Absolutely perfect, happy to help!";
    private static final String TERSE = "Seat assignment recorded in the reservation system.";

    @Inject
    OfflineJudge judge;

    private RpsAnswer score(List<String> a, List<String> b) {
        return judge.scoreRps(new RpsRequest(Stage.NOTIFICATION, a, b, null));
    }

    @Test
    void enthusiasticMessagesAgreeOnStyleMoreThanWithATerseOne() {
        RpsAnswer together = score(List.of(ENTHUSIASTIC_1), List.of(ENTHUSIASTIC_2));
        RpsAnswer apart = score(List.of(ENTHUSIASTIC_1), List.of(TERSE));
        assertTrue(together.style() > apart.style(), together + " vs " + apart);
    }

    @Test
    void listsAgreeOnStructureMoreThanAListWithProse() {
        String listA = "Here are your options:\n- Flight HAT001 at 08:00\n- Flight HAT002 at 12:00\n- Flight HAT003 at 18:00";
        String listB = "Available flights:\n- HAT170, departs 09:30\n- HAT171, departs 13:15\n- HAT172, departs 19:45";
        String prose = "There are three flights that day, in the morning, at noon and in the evening.";
        RpsAnswer lists = score(List.of(listA), List.of(listB));
        RpsAnswer mixed = score(List.of(listA), List.of(prose));
        assertTrue(lists.structure() > mixed.structure(), lists + " vs " + mixed);
    }

    @Test
    void paraphrasesAlignMoreThanUnrelatedContent() {
        String cancel = "Your reservation ZFA04Y has been cancelled and the refund goes back to your credit card.";
        String paraphrase = "I cancelled booking ZFA04Y; you will get the refund on your credit card.";
        String unrelated = "The baggage allowance for gold members is three free checked bags.";
        RpsAnswer same = score(List.of(cancel), List.of(paraphrase));
        RpsAnswer different = score(List.of(cancel), List.of(unrelated));
        assertTrue(same.alignment() > different.alignment(), same + " vs " + different);
    }

    @Test
    void identicalGroupsScoreFiveOnEveryDimension() {
        List<String> group = List.of(ENTHUSIASTIC_1, "Please confirm the new seat (yes/no).");
        RpsAnswer answer = score(group, group);
        assertEquals(5, answer.style());
        assertEquals(5, answer.structure());
        assertEquals(5, answer.alignment());
        assertEquals(5.0, answer.overall(), 0);
    }

    @Test
    void symmetricDeterministicAndSaysItIsOffline() {
        List<String> a = List.of(ENTHUSIASTIC_1);
        List<String> b = List.of(TERSE, "Anything else?");
        RpsAnswer ab = score(a, b);
        RpsAnswer ba = score(b, a);
        assertEquals(List.of(ab.style(), ab.structure(), ab.alignment()), List.of(ba.style(), ba.structure(), ba.alignment()));
        // a second judge with its own model instance gives the same answer
        RpsAnswer again = new OfflineJudge(new SentenceEmbedder(10, 1)).scoreRps(new RpsRequest(Stage.NOTIFICATION, a, b, null));
        assertEquals(ab, again);
        assertTrue(ab.reason().startsWith("Offline judge"), ab.reason());
        for (int s : new int[] {ab.style(), ab.structure(), ab.alignment()}) {
            assertTrue(s >= 1 && s <= 5);
        }
    }
}
