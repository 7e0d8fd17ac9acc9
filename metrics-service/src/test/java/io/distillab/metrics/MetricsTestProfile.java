package io.distillab.metrics;

import io.distillab.service.support.EmbeddedPostgresTestResource;
import io.distillab.service.support.testing.AuthTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

/**
 * The one test profile of the module (one Quarkus boot for every test): a throwaway embedded
 * PostgreSQL, workers that poll fast, and judge-service expected where {@link TestJudgeServer}
 * listens.
 */
public class MetricsTestProfile implements QuarkusTestProfile {
    /** The key metrics-service sends the test judge, which refuses batches without it. */
    static final String JUDGE_API_KEY = "dlk_metrics-service-test-key-for-the-judge";

    /** The test judge's port, picked once per JVM (profiles are instantiated more than once). */
    public static int judgePort() {
        return Integer.parseInt((String) System.getProperties().computeIfAbsent("distillab.test.judge.port", k -> {
            try (ServerSocket s = new ServerSocket(0)) {
                return String.valueOf(s.getLocalPort());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "distillab.worker.poll", "200ms",
                "distillab.worker.threads", "1",
                "quarkus.rest-client.judge.url", "http://localhost:" + judgePort(),
                "io.distillab.metrics.judge.JudgeRestClient/Retry/delay", "100",
                "distillab.judge.api-key", JUDGE_API_KEY,
                // tokens must name this audience here (judge-service and trainer-service check none)
                "distillab.auth.jwt.audience", AuthTestResource.AUDIENCE,
                // small limits, so that LimitsTest can pass them quickly (DatasetApiTest uploads 16 MB)
                "distillab.limits.upload-bytes", "24M",
                "distillab.limits.body-bytes", "1M");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(EmbeddedPostgresTestResource.class),
                new TestResourceEntry(AuthTestResource.class));
    }
}
