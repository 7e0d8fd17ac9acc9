package io.distillab.trainer;

import io.distillab.service.support.EmbeddedPostgresTestResource;
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
 * leases, metrics-service expected where {@link TestMetricsService} listens, and the scripted
 * engine in place of the real one.
 */
public class TrainerTestProfile implements QuarkusTestProfile {

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
        return Map.of(
                "distillab.model-store", modelStore().toString(),
                "distillab.scheduler.cpu-jobs", "2",
                "distillab.scheduler.poll", "100ms",
                "distillab.scheduler.heartbeat", "300ms",
                "distillab.scheduler.lease", "3s",
                "distillab.scheduler.gpus", "0",
                "distillab.events.poll", "100ms",
                "quarkus.rest-client.metrics.url", "http://localhost:" + TestMetricsService.port());
    }

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(ScriptedTrainingEngine.class);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(EmbeddedPostgresTestResource.class));
    }
}
