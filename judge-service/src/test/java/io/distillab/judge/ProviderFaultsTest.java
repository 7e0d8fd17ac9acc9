package io.distillab.judge;

import static io.distillab.judge.support.Requests.post;
import static io.distillab.judge.support.Requests.rps;
import static io.distillab.service.support.testing.TestAuth.givenAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.distillab.judge.cache.JudgmentEntity;
import io.distillab.judge.provider.ProviderGuard;
import io.distillab.judge.support.InjectOpenAiStub;
import io.distillab.judge.support.JudgeTestProfile;
import io.distillab.judge.support.OpenAiStub;
import io.distillab.judge.support.Requests;
import io.distillab.service.support.testing.TestAuth;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The provider misbehaving, one way per test, against a real OpenAI-protocol server (WireMock):
 * nothing is ever guessed (an error or a failed judgment carries its kind and no answer), retries
 * are bounded (the test profile allows 1 + 4 attempts, 1 s timeout), and the circuit breaker
 * opens after 20 failed attempts and closes again by itself 2.5 s later once the provider is back.
 */
@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class ProviderFaultsTest {
    /** The first attempt and ProviderGuard's four retries. */
    private static final int ATTEMPTS = 5;

    @InjectOpenAiStub
    OpenAiStub openAi;

    @Inject
    CircuitBreakerMaintenance breakers;

    @BeforeEach
    @AfterEach
    void closeTheBreaker() {
        breakers.reset(ProviderGuard.CIRCUIT);
    }

    private static Object rpsFor(String marker) {
        return rps("execution", List.of("Booked " + marker + "."), List.of("Done: " + marker + "."), "llm");
    }

    /** A 503 problem naming the error kind; the provider was asked exactly {@code attempts} times. */
    private void unavailable(String marker, String errorKind, int attempts) {
        post("/api/v1/rps", rpsFor(marker)).statusCode(503).contentType("application/problem+json")
                .body("errorKind", equalTo(errorKind));
        assertEquals(attempts, openAi.count(marker), marker + ": provider requests");
        // In a batch: a line with status error, its kind, and no answer.
        JsonNode line = Requests.batch("/api/v1/rps", List.of(rpsFor(marker))).get(0).get("judgment");
        assertEquals("error", line.get("status").textValue(), line.toString());
        assertEquals(errorKind, line.get("errorKind").textValue());
        assertTrue(line.get("answer").isNull(), "no guessed answer: " + line);
        assertEquals(2 * attempts, openAi.count(marker), "an error is not cached: the batch asked again");
        // Recorded for operators, with its kind.
        JsonNode errors = givenAdmin().when().get("/api/v1/provider-errors?since=PT1H&limit=1000")
                .then().statusCode(200).extract().as(JsonNode.class);
        String inputHash = line.get("inputHash").textValue();
        long mine = 0;
        for (JsonNode e : errors.get("recent")) {
            if (inputHash.equals(e.get("inputHash").textValue())) {
                assertEquals(errorKind, e.get("errorKind").textValue(), e.toString());
                mine++;
            }
        }
        assertEquals(2, mine, "both errors recorded: " + errors);
        assertTrue(errors.at("/counts/" + errorKind).asLong() >= 2, errors.toString());
    }

    @Test
    void rateLimitedWithoutRetryAfterIsRetriedABoundedNumberOfTimes() {
        openAi.fail("mk-f429", 429);
        unavailable("mk-f429", "rate_limited", ATTEMPTS);
    }

    @Test
    void rateLimitedWithRetryAfterWaitsAsLongAsTheProviderAsks() {
        openAi.sequence("mk-f429-after", List.of(OpenAiStub.status(429).withHeader("Retry-After", "1")),
                OpenAiStub.completion(LlmJudgeTest.RPS_ANSWER));
        post("/api/v1/rps", rpsFor("mk-f429-after")).statusCode(200).body("status", equalTo("ok"));
        List<LoggedRequest> sent = openAi.requests("mk-f429-after");
        assertEquals(2, sent.size());
        long gap = Math.abs(sent.get(0).getLoggedDate().getTime() - sent.get(1).getLoggedDate().getTime());
        // The test profile's own backoff is 10 ms; Retry-After: 1 asks for a second (jitter 5 ms).
        assertTrue(gap >= 950, "the retry came " + gap + " ms after the 429, before its Retry-After");
    }

    @Test
    void aServerErrorIsRetriedABoundedNumberOfTimes() {
        openAi.fail("mk-f500", 500);
        unavailable("mk-f500", "server_error", ATTEMPTS);
    }

    @Test
    void anAnswerSlowerThanTheTimeoutIsRetriedABoundedNumberOfTimes() {
        openAi.answerAfter("mk-fslow", LlmJudgeTest.RPS_ANSWER, 1_500);
        post("/api/v1/rps", rpsFor("mk-fslow")).statusCode(503).body("errorKind", equalTo("timeout"))
                .body("detail", containsString("after retries"));
        assertEquals(ATTEMPTS, openAi.count("mk-fslow"));
    }

    @Test
    void aBodyThatIsNotJsonIsAMalformedResponseNeverAScore() {
        openAi.sequence("mk-fhtml", List.of(), WireMock.aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("<html>upstream proxy error</html>"));
        unavailable("mk-fhtml", "malformed_response", ATTEMPTS);
    }

    @Test
    void aCompletionWithoutChoicesIsAMalformedResponse() {
        openAi.sequence("mk-fnochoices", List.of(), WireMock.aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"id\": \"x\", \"object\": \"chat.completion\"}"));
        unavailable("mk-fnochoices", "malformed_response", ATTEMPTS);
    }

    @Test
    void anAnswerWithoutTheExpectedFieldsIsRecordedAsFailedWithItsKind() {
        openAi.answer("mk-fnofields", "{\"verdict\": \"genuine\"}");
        String inputHash = post("/api/v1/rps", rpsFor("mk-fnofields")).statusCode(200)
                .body("status", equalTo("failed")).body("errorKind", equalTo("malformed_answer"))
                .body("answer", nullValue()).body("error", containsString("\"style\" is missing"))
                .extract().path("inputHash");
        assertEquals(2, openAi.count("mk-fnofields"), "asked once more with the parse error, then given up");
        failedRowHasKind(inputHash);
    }

    @Test
    void scoresOutOfRangeAreRecordedAsFailedNeverClamped() {
        openAi.answer("mk-frange", "{\"style\": 0, \"structure\": 9, \"alignment\": 5, \"reason\": \"x\"}");
        String inputHash = post("/api/v1/rps", rpsFor("mk-frange")).statusCode(200)
                .body("status", equalTo("failed")).body("errorKind", equalTo("malformed_answer"))
                .body("answer", nullValue()).body("error", containsString("must be an integer from 1 to 5"))
                .extract().path("inputHash");
        // Recorded: asking again is answered from the cache, the provider is not asked a third time.
        post("/api/v1/rps", rpsFor("mk-frange")).statusCode(200).body("cached", equalTo(true))
                .body("errorKind", equalTo("malformed_answer"));
        assertEquals(2, openAi.count("mk-frange"));
        failedRowHasKind(inputHash);
    }

    @Test
    void theBreakerOpensAfterRepeatedFailuresFailsFastAndClosesAgainAfterItsDelay() throws Exception {
        openAi.fail("mk-fdown", 503);
        openAi.answer("mk-fback", LlmJudgeTest.RPS_ANSWER);
        // 4 judgments of 5 attempts: 20 failed attempts fill the breaker's window.
        for (int i = 0; i < 4; i++) {
            post("/api/v1/rps", rpsFor("mk-fdown " + i)).statusCode(503);
        }
        assertEquals(CircuitBreakerState.OPEN, breakers.currentState(ProviderGuard.CIRCUIT));
        int asked = openAi.count("mk-fdown");
        assertEquals(20, asked);

        post("/api/v1/rps", rpsFor("mk-fback")).statusCode(503).body("errorKind", equalTo("circuit_open"));
        assertEquals(0, openAi.count("mk-fback"), "an open breaker fails fast without asking");
        assertEquals(asked, openAi.count("mk-fdown"));

        // The test profile's breaker delay is 2.5 s; then it lets calls through (half-open) and two
        // successes close it.
        Thread.sleep(2_700);
        post("/api/v1/rps", rpsFor("mk-fback")).statusCode(200).body("status", equalTo("ok"));
        post("/api/v1/rps", rpsFor("mk-fback again")).statusCode(200).body("status", equalTo("ok"));
        assertEquals(CircuitBreakerState.CLOSED, breakers.currentState(ProviderGuard.CIRCUIT));
    }

    @Test
    void providerErrorsAreListedForReadersOnly() {
        RestAssured.given().when().get("/api/v1/provider-errors").then().statusCode(401);
        RestAssured.given().header("Authorization", "Bearer " + TestAuth.jwt("rita", "reader"))
                .when().get("/api/v1/provider-errors").then().statusCode(200);
        givenAdmin().when().get("/api/v1/provider-errors?since=yesterday").then().statusCode(400)
                .contentType("application/problem+json").body("field", equalTo("since"));
        givenAdmin().when().get("/api/v1/provider-errors?limit=0").then().statusCode(400)
                .body("field", equalTo("limit"));
    }

    /** The judgment table's row for this input: failed, with its kind, without an answer. */
    private static void failedRowHasKind(String inputHash) {
        JudgmentEntity row = QuarkusTransaction.requiringNew().call(
                () -> JudgmentEntity.<JudgmentEntity>find("inputHash", inputHash).singleResult());
        assertEquals("failed", row.status);
        assertEquals("malformed_answer", row.errorKind);
        assertNull(row.answer);
    }
}
