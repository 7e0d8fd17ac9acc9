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
        return Map.of(
                "quarkus.langchain4j.openai.timeout", "1s",
                GUARD + "Retry/delay", "10",
                GUARD + "Retry/jitter", "5",
                GUARD + "ExponentialBackoff/maxDelay", "40",
                "quarkus.log.category.\"io.distillab\".level", "DEBUG");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(EmbeddedPostgresTestResource.class),
                new TestResourceEntry(AuthTestResource.class),
                new TestResourceEntry(OpenAiStubResource.class));
    }
}
