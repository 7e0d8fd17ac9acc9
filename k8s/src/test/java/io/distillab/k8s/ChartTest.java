package io.distillab.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart in k8s/chart/distillab: linted by Helm itself (through helm-java's embedded Helm),
 * rendered, and the manifests parsed back into Kubernetes objects by fabric8 and checked.
 */
class ChartTest {
    static final Path CHART = Path.of(System.getProperty("distillab.root", "..")).resolve("k8s/chart/distillab");

    static List<HasMetadata> render(Map<String, Object> values) {
        var cmd = new Helm(CHART).template().withName("lab").withNamespace("eval");
        if (!values.containsKey("secrets.existingSecret")) {
            cmd.set("secrets.databasePassword", "s3cret");
        }
        values.forEach(cmd::set);
        String yaml = cmd.call();
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
                out.add(Serialization.unmarshal(doc, HasMetadata.class));
            }
        }
        return out;
    }

    static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream().filter(type::isInstance).map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " in " + names(objects)));
    }

    static List<String> names(List<HasMetadata> objects) {
        return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
    }

    static Optional<EnvVar> env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst();
    }

    @Test
    void helmLintPasses() {
        LintResult r = new Helm(CHART).lint().strict().call();
        String messages = String.join("\n", r.getMessages());
        assertFalse(r.isFailed(), messages);
        // strict lint: nothing above INFO (it notes the missing icon and that the default values hold no password)
        assertFalse(messages.contains("[WARNING]") || messages.contains("[ERROR]"), messages);
    }

    @Test
    void aReleaseWithoutPasswordOrSecretIsRefused() {
        Exception e = assertThrows(Exception.class, () -> new Helm(CHART).template().withName("lab").call());
        assertTrue(e.getMessage().contains("secrets.databasePassword is required unless secrets.existingSecret"),
                e.getMessage());
    }

    @Test
    void defaultRenderHasEveryPart() {
        List<HasMetadata> objs = render(Map.of("secrets.databasePassword", "s3cret"));
        assertEquals(List.of("Secret/lab-distillab-secrets", "Service/lab-distillab-postgresql",
                "Service/lab-distillab-metrics-service", "Service/lab-distillab-judge-service",
                "Service/lab-distillab-trainer-service", "Deployment/lab-distillab-metrics-service",
                "Deployment/lab-distillab-judge-service", "Deployment/lab-distillab-trainer-service",
                "StatefulSet/lab-distillab-postgresql", "HorizontalPodAutoscaler/lab-distillab-metrics-service",
                "HorizontalPodAutoscaler/lab-distillab-judge-service").stream().sorted().toList(),
                names(objs).stream().sorted().toList());
    }

    @Test
    void trainerRunsOnTheGpuPool() {
        Deployment trainer = find(render(Map.of()), Deployment.class, "lab-distillab-trainer-service");
        var pod = trainer.getSpec().getTemplate().getSpec();
        assertEquals("gpu", pod.getNodeSelector().get("distillab.io/pool"));
        assertEquals("nvidia.com/gpu", pod.getTolerations().get(0).getKey());
        assertEquals(new Quantity("1"), pod.getContainers().get(0).getResources().getLimits().get("nvidia.com/gpu"));
        Deployment judge = find(render(Map.of()), Deployment.class, "lab-distillab-judge-service");
        assertTrue(judge.getSpec().getTemplate().getSpec().getNodeSelector() == null
                || judge.getSpec().getTemplate().getSpec().getNodeSelector().isEmpty(), "judge needs no GPU");
        assertFalse(judge.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits()
                .containsKey("nvidia.com/gpu"));
    }

    @Test
    void judgeAndMetricsAutoscale() {
        List<HasMetadata> objs = render(Map.of("judge.autoscaling.maxReplicas", "40"));
        HorizontalPodAutoscaler judge = find(objs, HorizontalPodAutoscaler.class, "lab-distillab-judge-service");
        assertEquals(40, judge.getSpec().getMaxReplicas());
        assertEquals("lab-distillab-judge-service", judge.getSpec().getScaleTargetRef().getName());
        assertEquals(60, judge.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization());
        assertNotNull(find(objs, HorizontalPodAutoscaler.class, "lab-distillab-metrics-service"));
        // an autoscaled Deployment leaves replicas to the autoscaler
        assertEquals(null, find(objs, Deployment.class, "lab-distillab-metrics-service").getSpec().getReplicas());
        List<HasMetadata> fixed = render(Map.of("metrics.autoscaling.enabled", "false", "metrics.replicas", "3"));
        assertEquals(3, find(fixed, Deployment.class, "lab-distillab-metrics-service").getSpec().getReplicas());
        assertTrue(fixed.stream().noneMatch(o -> o.getMetadata().getName().equals("lab-distillab-metrics-service")
                && o instanceof HorizontalPodAutoscaler));
    }

    @Test
    void secretsAreReferencedNeverInlined() {
        List<HasMetadata> objs = render(Map.of("secrets.databasePassword", "s3cret", "secrets.judgeApiKey", "sk-test"));
        Secret s = find(objs, Secret.class, "lab-distillab-secrets");
        assertEquals("czNjcmV0", s.getData().get("database-password"));
        for (String svc : List.of("metrics-service", "judge-service", "trainer-service")) {
            Container c = find(objs, Deployment.class, "lab-distillab-" + svc).getSpec().getTemplate().getSpec()
                    .getContainers().get(0);
            EnvVar pw = env(c, "QUARKUS_DATASOURCE_PASSWORD").orElseThrow();
            assertEquals(null, pw.getValue());
            assertEquals("database-password", pw.getValueFrom().getSecretKeyRef().getKey());
            assertEquals("jdbc:postgresql://lab-distillab-postgresql:5432/distillab",
                    env(c, "QUARKUS_DATASOURCE_JDBC_URL").orElseThrow().getValue());
            assertTrue(c.getEnv().stream().noneMatch(e -> "s3cret".equals(e.getValue()) || "sk-test".equals(e.getValue())));
            assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath());
        }
        Container judge = find(objs, Deployment.class, "lab-distillab-judge-service").getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        assertEquals("judge-api-key", env(judge, "QUARKUS_LANGCHAIN4J_OPENAI_API_KEY").orElseThrow().getValueFrom()
                .getSecretKeyRef().getKey());
        Container metrics = find(objs, Deployment.class, "lab-distillab-metrics-service").getSpec().getTemplate()
                .getSpec().getContainers().get(0);
        assertEquals("http://lab-distillab-judge-service", env(metrics, "QUARKUS_REST_CLIENT_JUDGE_URL").orElseThrow()
                .getValue());
        StatefulSet pg = find(objs, StatefulSet.class, "lab-distillab-postgresql");
        assertEquals("20Gi", pg.getSpec().getVolumeClaimTemplates().get(0).getSpec().getResources().getRequests()
                .get("storage").toString());
    }

    @Test
    void externalDatabaseAndExistingSecret() {
        List<HasMetadata> objs = render(Map.of("postgresql.enabled", "false", "postgresql.external.host", "db.internal",
                "secrets.existingSecret", "prod-secrets"));
        assertTrue(objs.stream().noneMatch(o -> o instanceof StatefulSet || o instanceof Secret), names(objs).toString());
        assertTrue(objs.stream().noneMatch(o -> o instanceof Service && o.getMetadata().getName().endsWith("postgresql")));
        Container c = find(objs, Deployment.class, "lab-distillab-metrics-service").getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        assertEquals("jdbc:postgresql://db.internal:5432/distillab", env(c, "QUARKUS_DATASOURCE_JDBC_URL").orElseThrow()
                .getValue());
        assertEquals("prod-secrets", env(c, "QUARKUS_DATASOURCE_PASSWORD").orElseThrow().getValueFrom().getSecretKeyRef()
                .getName());
        // an external database without a host is a clear error, not a broken URL
        Exception e = assertThrows(Exception.class, () -> render(Map.of("postgresql.enabled", "false")));
        assertTrue(e.getMessage().contains("postgresql.external.host is required"), e.getMessage());
    }
}
