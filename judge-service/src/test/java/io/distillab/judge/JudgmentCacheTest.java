package io.distillab.judge;

import static io.distillab.judge.support.Requests.rps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.judge.cache.JudgmentEntity;
import io.distillab.judge.provider.ProviderGuard;
import io.distillab.judge.support.InjectOpenAiStub;
import io.distillab.judge.support.JudgeTestProfile;
import io.distillab.judge.support.OpenAiStub;
import io.distillab.judge.support.Requests;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class JudgmentCacheTest {

    @InjectOpenAiStub
    OpenAiStub openAi;

    @Inject
    CircuitBreakerMaintenance breakers;

    @Test
    void aRepeatedBatchMakesNoProviderCalls() {
        breakers.reset(ProviderGuard.CIRCUIT);
        openAi.answer("mk-cache", LlmJudgeTest.RPS_ANSWER);
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            items.add(rps("execution", List.of("item " + i + " mk-cache"), List.of("reply " + i), "llm"));
        }
        items.add(items.get(0)); // a duplicate inside the batch is asked once

        List<JsonNode> first = Requests.batch("/api/v1/rps", items);
        assertEquals(7, first.size());
        first.forEach(line -> assertEquals("ok", line.at("/judgment/status").textValue(), line.toString()));
        assertEquals(6, openAi.count("mk-cache"));

        List<JsonNode> again = Requests.batch("/api/v1/rps", items);
        assertEquals(7, again.size());
        again.forEach(line -> assertTrue(line.at("/judgment/cached").booleanValue(), line.toString()));
        assertEquals(6, openAi.count("mk-cache"), "the repeated batch asked the provider");
    }

    @Test
    void everyJudgmentIsStoredWithItsProvenance() {
        JsonNode line = Requests.batch("/api/v1/rps", List.of(
                rps("verification", List.of("Shall I proceed?"), List.of("Confirm please (yes/no)."), "offline"))).get(0);
        String inputHash = line.at("/judgment/inputHash").textValue();
        JudgmentEntity row = QuarkusTransaction.requiringNew().call(
                () -> JudgmentEntity.<JudgmentEntity>find("inputHash", inputHash).singleResult());
        assertEquals("rps", row.kind);
        assertEquals("offline", row.judgeName);
        assertEquals("offline", row.provider);
        assertEquals("offline-rps-v1", row.promptVersion);
        assertEquals("ok", row.status);
        assertTrue(row.answer.contains("\"style\""), row.answer);
        assertEquals(64, row.cacheKey.length());
    }
}
