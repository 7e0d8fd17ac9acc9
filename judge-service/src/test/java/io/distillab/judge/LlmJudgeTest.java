package io.distillab.judge;

import static io.distillab.judge.support.Requests.edge;
import static io.distillab.judge.support.Requests.post;
import static io.distillab.judge.support.Requests.rps;
import static io.distillab.judge.support.Requests.stage;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.distillab.judge.provider.ProviderGuard;
import io.distillab.judge.support.CapturedLogs;
import io.distillab.judge.support.InjectOpenAiStub;
import io.distillab.judge.support.JudgeTestProfile;
import io.distillab.judge.support.OpenAiStub;
import io.distillab.judge.support.Requests;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The LangChain4j path end to end: REST request, AI service, HTTP to a real OpenAI-protocol
 * server (WireMock), answer validation, cache. Each test marks its input so that its stubs and
 * request counts are its own.
 */
@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class LlmJudgeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String RPS_ANSWER = "{\"style\": 4, \"structure\": 3, \"alignment\": 5, \"reason\": \"Both confirm the cancellation.\"}";

    @InjectOpenAiStub
    OpenAiStub openAi;

    @Inject
    CircuitBreakerMaintenance breakers;

    @BeforeEach
    void closeTheBreaker() {
        breakers.reset(ProviderGuard.CIRCUIT);
    }

    private static Object rpsFor(String marker) {
        return rps("notification", List.of("Your trip " + marker + " is cancelled."),
                List.of("I have cancelled " + marker + " for you."), "llm");
    }

    @Test
    void scoresThroughTheProviderAndRecordsProvenance() throws Exception {
        openAi.answer("mk-happy", RPS_ANSWER);
        post("/api/v1/rps", rpsFor("mk-happy")).statusCode(200)
                .body("status", equalTo("ok"))
                .body("answer.style", equalTo(4))
                .body("answer.structure", equalTo(3))
                .body("answer.alignment", equalTo(5))
                .body("answer.overall", equalTo(4.0f))
                .body("answer.reason", equalTo("Both confirm the cancellation."))
                .body("judge.name", equalTo("llm"))
                .body("judge.provider", equalTo("openai-compatible"))
                .body("judge.model", equalTo(OpenAiStub.MODEL))
                .body("judge.parameters.temperature", equalTo(0.0f))
                .body("judge.promptVersion", equalTo("rps-v1"))
                .body("judge.offline", equalTo(false))
                .body("cached", equalTo(false));
        assertEquals(1, openAi.count("mk-happy"));
        LoggedRequest sent = openAi.requests("mk-happy").get(0);
        assertEquals("Bearer " + OpenAiStub.API_KEY, sent.getHeader("Authorization"));
        JsonNode body = JSON.readTree(sent.getBodyAsString());
        assertEquals(0.0, body.get("temperature").doubleValue(), 0);
        assertEquals(OpenAiStub.MODEL, body.get("model").textValue());
        assertEquals("system", body.at("/messages/0/role").textValue());
        assertTrue(body.at("/messages/1/content").textValue().contains("Stage: notification"));
        // The same question again is answered from the cache.
        post("/api/v1/rps", rpsFor("mk-happy")).statusCode(200).body("cached", equalTo(true))
                .body("answer.style", equalTo(4)).body("judge.model", equalTo(OpenAiStub.MODEL));
        assertEquals(1, openAi.count("mk-happy"));
    }

    @Test
    void aRateLimitIsRetriedWithBackoff() {
        openAi.sequence("mk-429", List.of(OpenAiStub.status(429), OpenAiStub.status(429)), OpenAiStub.completion(RPS_ANSWER));
        post("/api/v1/rps", rpsFor("mk-429")).statusCode(200).body("status", equalTo("ok"));
        assertEquals(3, openAi.count("mk-429"));
    }

    @Test
    void aTimeoutIsRetried() {
        openAi.sequence("mk-timeout", List.of(OpenAiStub.completion(RPS_ANSWER).withFixedDelay(2_500)),
                OpenAiStub.completion(RPS_ANSWER));
        post("/api/v1/rps", rpsFor("mk-timeout")).statusCode(200).body("status", equalTo("ok"));
        assertEquals(2, openAi.count("mk-timeout"));
    }

    @Test
    void aProviderThatKeepsFailingGivesA503AndNothingIsRecorded() {
        openAi.fail("mk-500", 500);
        post("/api/v1/rps", rpsFor("mk-500")).statusCode(503).contentType("application/problem+json")
                .body("title", equalTo("Judge unavailable"))
                .body("detail", containsString("after retries"));
        assertEquals(5, openAi.count("mk-500")); // the first attempt and 4 retries
        // Not recorded: asking again asks the provider again.
        post("/api/v1/rps", rpsFor("mk-500")).statusCode(503);
        assertEquals(10, openAi.count("mk-500"));
    }

    @Test
    void aClientErrorIsNotRetried() {
        openAi.fail("mk-401", 401);
        post("/api/v1/rps", rpsFor("mk-401")).statusCode(503).body("detail", containsString("refused"));
        assertEquals(1, openAi.count("mk-401"));
    }

    @Test
    void aMalformedAnswerIsAskedAgainOnceWithTheParseError() {
        openAi.answer("mk-fixable", "Style 4, structure 3, alignment 5.");
        openAi.answerRetry("mk-fixable", RPS_ANSWER);
        post("/api/v1/rps", rpsFor("mk-fixable")).statusCode(200).body("status", equalTo("ok"))
                .body("answer.alignment", equalTo(5));
        List<LoggedRequest> sent = openAi.requests("mk-fixable");
        assertEquals(2, sent.size());
        String retry = sent.stream().map(LoggedRequest::getBodyAsString).filter(b -> b.contains("It was rejected"))
                .findFirst().orElseThrow();
        assertTrue(retry.contains("Style 4, structure 3, alignment 5."), "the retry shows the previous answer");
        assertTrue(retry.contains("not valid JSON"), "the retry carries the parse error: " + retry);
    }

    @Test
    void twoMalformedAnswersAreRecordedAsFailedAndNeverAskedAgain() {
        openAi.answer("mk-broken", "{\"style\": 7, \"structure\": 3, \"alignment\": 5, \"reason\": \"x\"}");
        post("/api/v1/rps", rpsFor("mk-broken")).statusCode(200)
                .body("status", equalTo("failed"))
                .body("answer", equalTo(null))
                .body("error", containsString("malformed answer twice"))
                .body("error", containsString("\"style\" must be an integer from 1 to 5"));
        assertEquals(2, openAi.count("mk-broken"));
        post("/api/v1/rps", rpsFor("mk-broken")).statusCode(200)
                .body("status", equalTo("failed")).body("cached", equalTo(true));
        assertEquals(2, openAi.count("mk-broken"));
    }

    @Test
    void stagesAndEdgesGoThroughTheirOwnPrompts() {
        openAi.answer("mk-stage", "{\"stage\": \"verification\", \"reason\": \"It asks for consent.\"}");
        post("/api/v1/stages", stage("Shall I go ahead with booking mk-stage? (yes/no)", "llm")).statusCode(200)
                .body("answer.stage", equalTo("verification"))
                .body("judge.promptVersion", equalTo("stage-v1"));

        openAi.answer("MKEDGE1", "```json\n{\"verdict\": \"genuine\", \"reason\": \"Taken from the lookup.\"}\n```");
        post("/api/v1/edges", edge("MKEDGE1", "Cancel my latest trip.", "llm")).statusCode(200)
                .body("answer.verdict", equalTo("genuine"))
                .body("judge.promptVersion", equalTo("edge-v1"));
        String prompt = openAi.requests("MKEDGE1").get(0).getBodyAsString();
        assertTrue(prompt.contains("get_reservation_details"), "the target call is in the prompt");
        assertTrue(prompt.contains("Cancel my latest trip."), "the messages before it are in the prompt");
    }

    @Test
    void inABatchAProviderErrorIsALineWithStatusErrorAndTheRestGoesOn() {
        openAi.answer("mk-batch-ok", RPS_ANSWER);
        openAi.fail("mk-batch-401", 401);
        List<JsonNode> lines = Requests.batch("/api/v1/rps", List.of(rpsFor("mk-batch-ok"), rpsFor("mk-batch-401")));
        assertEquals(2, lines.size());
        for (JsonNode line : lines) {
            String status = line.at("/judgment/status").textValue();
            assertEquals(line.get("index").intValue() == 0 ? "ok" : "error", status, line.toString());
        }
        // The error was not recorded: the same batch asks for the failed item again, and only for it.
        Requests.batch("/api/v1/rps", List.of(rpsFor("mk-batch-ok"), rpsFor("mk-batch-401")));
        assertEquals(1, openAi.count("mk-batch-ok"));
        assertEquals(2, openAi.count("mk-batch-401"));
    }

    @Test
    void theApiKeyReachesTheProviderButNoLog() {
        openAi.answer("mk-secret-ok", RPS_ANSWER);
        openAi.fail("mk-secret-401", 401);
        openAi.answer("mk-secret-bad", "not json");
        try (CapturedLogs logs = new CapturedLogs()) {
            post("/api/v1/rps", rpsFor("mk-secret-ok")).statusCode(200);
            post("/api/v1/rps", rpsFor("mk-secret-401")).statusCode(503);
            post("/api/v1/rps", rpsFor("mk-secret-bad")).statusCode(200).body("status", equalTo("failed"));
            assertFalse(logs.records().isEmpty(), "the failures were logged");
            for (String record : logs.records()) {
                assertFalse(record.contains(OpenAiStub.API_KEY), "key in a log record: " + record);
            }
        }
        assertEquals("Bearer " + OpenAiStub.API_KEY,
                openAi.requests("mk-secret-ok").get(0).getHeader("Authorization"));
    }
}
