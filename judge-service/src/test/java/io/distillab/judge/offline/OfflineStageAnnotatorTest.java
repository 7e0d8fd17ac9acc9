package io.distillab.judge.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.judging.Stage;
import io.distillab.judge.stage.StageAnswer;
import io.distillab.judge.stage.StageRequest;
import io.distillab.judge.support.JudgeTestProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Messages that are clearly of one stage (written for this test, not the prototypes). */
@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class OfflineStageAnnotatorTest {

    @Inject
    OfflineJudge judge;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "authentication | Hello! To assist you, may I have your user id, please?",
        "authentication | I can help with that. First, please share the email address on your account and your zip code.",
        "information_retrieval | I checked your order #W2378156: it contains a mechanical keyboard and a smart thermostat, both delivered.",
        "information_retrieval | There are two direct flights from JFK to SFO on May 20: HAT023 at 7am and HAT041 at 3pm.",
        "verification | Before I make the change, please confirm: switch both passengers to business class for $680 in total? (yes/no)",
        "verification | Just to double-check, you want to return the water bottle and refund it to your PayPal account, is that correct?",
        "notification | Your reservation has been cancelled successfully. The refund of $450 will reach your card in 5-7 business days.",
        "notification | The exchange is complete and you will receive an email with the details. Is there anything else I can help you with?",
    })
    void clearMessagesGetTheirStage(String expected, String text) {
        StageAnswer answer = judge.annotateStage(new StageRequest(text, null));
        assertEquals(Stage.fromWire(expected), answer.stage(), answer.reason());
        assertTrue(answer.reason().startsWith("Offline judge"));
    }
}
