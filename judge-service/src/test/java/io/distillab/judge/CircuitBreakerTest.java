package io.distillab.judge;

import static io.distillab.judge.support.Requests.post;
import static io.distillab.judge.support.Requests.rps;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillab.judge.provider.ProviderGuard;
import io.distillab.judge.support.InjectOpenAiStub;
import io.distillab.judge.support.JudgeTestProfile;
import io.distillab.judge.support.OpenAiStub;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class CircuitBreakerTest {

    @InjectOpenAiStub
    OpenAiStub openAi;

    @Inject
    CircuitBreakerMaintenance breakers;

    @BeforeEach
    @AfterEach
    void closeTheBreaker() {
        breakers.reset(ProviderGuard.CIRCUIT);
    }

    @Test
    void aFailingProviderOpensTheBreakerAndLaterCallsFailFastWithoutAskingIt() {
        openAi.fail("mk-down", 503);
        openAi.answer("mk-healthy", LlmJudgeTest.RPS_ANSWER);
        // Each judgment makes 5 attempts; 20 failed attempts fill the breaker's window.
        for (int i = 0; i < 4; i++) {
            post("/api/v1/rps", rps("execution", List.of("down " + i + " mk-down"), List.of("b"), "llm")).statusCode(503);
        }
        assertEquals(CircuitBreakerState.OPEN, breakers.currentState(ProviderGuard.CIRCUIT));
        assertEquals(20, openAi.count("mk-down"));

        post("/api/v1/rps", rps("execution", List.of("mk-healthy"), List.of("b"), "llm")).statusCode(503)
                .body("detail", containsString("circuit breaker open"));
        assertEquals(0, openAi.count("mk-healthy"));

        breakers.reset(ProviderGuard.CIRCUIT);
        post("/api/v1/rps", rps("execution", List.of("mk-healthy"), List.of("b"), "llm")).statusCode(200);
        assertEquals(1, openAi.count("mk-healthy"));
    }
}
