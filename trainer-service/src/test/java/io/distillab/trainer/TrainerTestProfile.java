package io.distillab.trainer;

import io.distillab.service.support.EmbeddedPostgresTestResource;
import io.distillab.service.support.testing.AuthTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one test profile of the module (one Quarkus boot for every test): a throwaway embedded
 * PostgreSQL, a model store in a temporary folder, two CPU slots, workers that poll fast and short
 * leases, metrics-service expected where {@link TestMetricsService} listens (which takes only
 * {@link #METRICS_API_KEY}), the scripted engine in place of the real one, and security on: the
 * test issuer's JWKS, the local admin key, and one bootstrap key from the configuration.
 */
public class TrainerTestProfile implements QuarkusTestProfile {
    /** The key trainer-service sends the test metrics-service, which refuses calls without it. */
    static final String METRICS_API_KEY = "dlk_trainer-service-test-key-for-metrics-service";
    /** A writer key the service knows only from distillab.auth.bootstrap-keys. */
    static final String BOOTSTRAP_WRITER_KEY = "dlk_bootstrap-writer-key-of-the-trainer-tests-0123";

    /** The model store of the test run, made once per JVM (profiles are instantiated more than once). */
    public static Path modelStore() {
        return Path.of((String) System.getProperties().computeIfAbsent("distillab.test.model-store", k -> {
            try {
                return Files.createTempDirectory("trainer-store").toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                Map.entry("distillab.model-store", modelStore().toString()),
                Map.entry("distillab.scheduler.cpu-jobs", "2"),
                Map.entry("distillab.scheduler.poll", "100ms"),
                Map.entry("distillab.scheduler.heartbeat", "300ms"),
                Map.entry("distillab.scheduler.lease", "3s"),
                Map.entry("distillab.scheduler.gpus", "0"),
                Map.entry("distillab.events.poll", "100ms"),
                Map.entry("quarkus.rest-client.metrics.url", "http://localhost:" + TestMetricsService.port()),
                Map.entry("distillab.metrics.api-key", METRICS_API_KEY),
                Map.entry("distillab.auth.bootstrap-keys", "ci-bootstrap:writer:" + BOOTSTRAP_WRITER_KEY));
    }

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(ScriptedTrainingEngine.class);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(EmbeddedPostgresTestResource.class),
                new TestResourceEntry(AuthTestResource.class));
    }
}
