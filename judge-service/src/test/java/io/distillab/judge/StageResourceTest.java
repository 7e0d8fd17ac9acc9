package io.distillab.judge;

import static io.distillab.judge.support.Requests.post;
import static io.distillab.judge.support.Requests.stage;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.judge.support.JudgeTestProfile;
import io.distillab.judge.support.Requests;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class StageResourceTest {

    @Test
    void offlineJudgeAnnotatesAnAuthenticationRequest() {
        post("/api/v1/stages", stage("Could you please provide your user ID so that I can verify your identity?", null))
                .statusCode(200)
                .body("status", equalTo("ok"))
                .body("answer.stage", equalTo("authentication"))
                .body("answer.reason", startsWith("Offline judge"))
                .body("judge.name", equalTo("offline"))
                .body("judge.offline", equalTo(true))
                .body("judge.provider", equalTo("offline"))
                .body("judge.promptVersion", equalTo("offline-stage-v1"))
                .body("inputHash", org.hamcrest.Matchers.matchesPattern("[0-9a-f]{64}"));
    }

    @Test
    void batchStreamsOneLinePerItemWithItsIndex() {
        List<JsonNode> lines = Requests.batch("/api/v1/stages", List.of(
                stage("May I have your user id to look up your profile?", "offline"),
                stage("Your booking has been cancelled successfully. Anything else I can help with?", "offline"),
                stage("Please confirm (yes/no) that you want me to proceed with the upgrade.", "offline")));
        assertEquals(3, lines.size());
        Set<Integer> indexes = new TreeSet<>();
        for (JsonNode line : lines) {
            indexes.add(line.get("index").intValue());
            assertEquals("ok", line.at("/judgment/status").textValue());
        }
        assertEquals(Set.of(0, 1, 2), indexes);
        JsonNode second = lines.stream().filter(l -> l.get("index").intValue() == 1).findFirst().orElseThrow();
        assertEquals("notification", second.at("/judgment/answer/stage").textValue());
    }

    @Test
    void missingTextIsA400NamingTheField() {
        post("/api/v1/stages", Map.of("judge", "offline"))
                .statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("field", equalTo("text"))
                .body("violations", hasSize(1));
    }

    @Test
    void blankTextAndUnknownJudgeAreRejected() {
        post("/api/v1/stages", stage("   ", null)).statusCode(400).body("field", equalTo("text"));
        post("/api/v1/stages", stage("Hello", "gpt-judge-9000")).statusCode(400)
                .contentType("application/problem+json").body("field", equalTo("judge"));
    }

    @Test
    void bodiesThatAreNotJsonOrHaveWrongTypesAre400s() {
        post("/api/v1/stages", "{\"text\": ").statusCode(400).contentType("application/problem+json")
                .body("field", equalTo("body"));
        post("/api/v1/stages", "{\"text\": {\"nested\": true}}").statusCode(400)
                .contentType("application/problem+json").body("field", equalTo("text"));
    }

    @Test
    void batchItemsAreValidatedBeforeAnythingIsJudged() {
        Requests.post("/api/v1/stages/batch", Map.of("items", List.of(stage("fine", null), Map.of())))
                .statusCode(400).contentType("application/problem+json").body("field", equalTo("items[1].text"));
        Requests.post("/api/v1/stages/batch", Map.of("items", List.of()))
                .statusCode(400).body("field", equalTo("items"));
        Requests.post("/api/v1/stages/batch", Map.of()).statusCode(400).body("field", equalTo("items"));
    }
}
