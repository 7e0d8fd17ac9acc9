package io.distillab.judge.support;

import io.distillab.service.support.EmbeddedPostgresTestResource;
import io.distillab.service.support.testing.AuthTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The one Quarkus test profile of this module: every {@code @QuarkusTest} uses it, so the
 * application boots once for all of them. Real PostgreSQL (embedded), a WireMock OpenAI server,
 * and fault-tolerance delays short enough for tests.
 */
public class JudgeTestProfile implements QuarkusTestProfile {
    private static final String GUARD = "io.distillab.judge.provider.ProviderGuard/call/";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                Map.entry("quarkus.langchain4j.openai.timeout", "1s"),
                Map.entry(GUARD + "Retry/delay", "10"),
                Map.entry(GUARD + "Retry/jitter", "5"),
                Map.entry("distillab.judge.llm.retry-max-delay", "PT0.04S"),
                Map.entry("distillab.judge.llm.retry-after-max", "PT2S"),
                // Open for 2.5 s, so that a test sees the breaker close again by itself.
                Map.entry(GUARD + "CircuitBreaker/delay", "2500"),
                // Claims: a short lease so that a test can let one run out; quick polls and write retries.
                Map.entry("distillab.judge.claims.lease", "PT2S"),
                Map.entry("distillab.judge.claims.max-wait", "PT6S"),
                Map.entry("distillab.judge.claims.poll-initial", "PT0.02S"),
                Map.entry("distillab.judge.claims.poll-max", "PT0.2S"),
                Map.entry("distillab.judge.claims.write-attempts", "3"),
                Map.entry("distillab.judge.claims.write-backoff", "PT0.05S"),
                Map.entry("quarkus.log.category.\"io.distillab\".level", "DEBUG"));
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(EmbeddedPostgresTestResource.class),
                new TestResourceEntry(AuthTestResource.class),
                new TestResourceEntry(OpenAiStubResource.class));
    }
}
