package io.distillab.k8s;

import static io.distillab.k8s.RenderedChart.FULL;
import static io.distillab.k8s.RenderedChart.render;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart k8s/chart/distillab: linted by Helm, rendered with its default values and with each
 * values file of k8s/values, every object parsed back strictly (RenderedChart) and checked against
 * the Kubernetes rules that a render alone does not enforce and against the services themselves.
 */
class ChartTest {
    static final List<String> SERVICES = List.of("metrics-service", "judge-service", "trainer-service");

    static Stream<Path> valuesFiles() {
        try (Stream<Path> files = Files.list(RenderedChart.ROOT.resolve("k8s/values"))) {
            List<Path> list = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            assertEquals(List.of("burst.yaml", "gpu.yaml", "minimal.yaml"),
                    list.stream().map(f -> f.getFileName().toString()).toList());
            return list.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Container container(RenderedChart chart, String service) {
        return chart.get(Deployment.class, FULL + "-" + service).getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    static Optional<EnvVar> env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst();
    }

    static String decoded(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)));
    }

    @Test
    void helmLintPassesWithDefaultValues() {
        LintResult r = new Helm(RenderedChart.CHART).lint().strict().call();
        String messages = String.join("\n", r.getMessages());
        assertFalse(r.isFailed(), messages);
        // strict lint: nothing above INFO (it notes the missing icon)
        assertFalse(messages.contains("[WARNING]") || messages.contains("[ERROR]"), messages);
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everyValuesFileLintsAndRendersToAConsistentRelease(Path values) {
        LintResult r = new Helm(chartWithDefaults(values)).lint().strict().call();
        String messages = String.join("\n", r.getMessages());
        assertFalse(r.isFailed() || messages.contains("[WARNING]") || messages.contains("[ERROR]"), values + ": " + messages);
        Invariants.check(render(Map.of(), values));
    }

    /**
     * A copy of the chart whose values.yaml is the chart's own with the file's merged over it, as
     * Helm merges them: helm-java's lint takes no values file.
     */
    static Path chartWithDefaults(Path valuesFile) {
        try {
            Path copy = Files.createTempDirectory("distillab-chart-");
            try (Stream<Path> files = Files.walk(RenderedChart.CHART)) {
                for (Path f : files.toList()) {
                    Path target = copy.resolve(RenderedChart.CHART.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(f, target);
                    }
                }
            }
            Map<String, Object> merged = deepMerge(Images.yaml(RenderedChart.CHART.resolve("values.yaml")), Images.yaml(valuesFile));
            Files.writeString(copy.resolve("values.yaml"), io.fabric8.kubernetes.client.utils.Serialization.asYaml(merged));
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> deepMerge(Map<?, ?> base, Map<?, ?> over) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        base.forEach((k, v) -> out.put(k.toString(), v));
        over.forEach((k, v) -> {
            Object old = out.get(k.toString());
            out.put(k.toString(), old instanceof Map<?, ?> o && v instanceof Map<?, ?> n ? deepMerge(o, n) : v);
        });
        return out;
    }

    @Test
    void theDefaultReleaseIsConsistent() {
        Invariants.check(render(Map.of()));
    }

    @Test
    void defaultValuesInstallWithGeneratedPasswordsAndNoEmptyProviderKey() {
        RenderedChart chart = render(Map.of());
        assertEquals(List.of("ConfigMap/lab-distillab-judge-service", "ConfigMap/lab-distillab-metrics-service",
                "ConfigMap/lab-distillab-postgresql-init", "ConfigMap/lab-distillab-trainer-service",
                "Deployment/lab-distillab-judge-service", "Deployment/lab-distillab-metrics-service",
                "Deployment/lab-distillab-trainer-service", "HorizontalPodAutoscaler/lab-distillab-judge-service",
                "HorizontalPodAutoscaler/lab-distillab-metrics-service", "NetworkPolicy/lab-distillab-default-deny",
                "NetworkPolicy/lab-distillab-judge-service", "NetworkPolicy/lab-distillab-metrics-service",
                "NetworkPolicy/lab-distillab-postgresql", "NetworkPolicy/lab-distillab-trainer-service",
                "PersistentVolumeClaim/lab-distillab-trainer-models", "PodDisruptionBudget/lab-distillab-judge-service",
                "PodDisruptionBudget/lab-distillab-metrics-service", "Secret/lab-distillab-secrets",
                "Service/lab-distillab-judge-service", "Service/lab-distillab-metrics-service",
                "Service/lab-distillab-postgresql", "Service/lab-distillab-trainer-service",
                "ServiceAccount/lab-distillab-judge-service", "ServiceAccount/lab-distillab-metrics-service",
                "ServiceAccount/lab-distillab-trainer-service", "StatefulSet/lab-distillab-postgresql"), chart.names());
        Secret secret = chart.get(Secret.class, FULL + "-secrets");
        assertEquals(Set.of("postgres-password", "metrics-database-password", "judge-database-password",
                "trainer-database-password", "bootstrap-admin-key", "metrics-judge-key", "trainer-metrics-key"),
                secret.getData().keySet(), "no judge-api-key without a key");
        Set<String> passwords = new TreeSet<>();
        for (String key : List.of("postgres-password", "metrics-database-password", "judge-database-password",
                "trainer-database-password")) {
            String password = decoded(secret, key);
            assertTrue(password.matches("[A-Za-z0-9]{32}"), key + ": " + password);
            passwords.add(password);
        }
        assertEquals(4, passwords.size(), "each password its own");
        Set<String> apiKeys = new TreeSet<>();
        for (String key : API_KEYS) {
            String apiKey = decoded(secret, key);
            // what service-support's BootstrapKeys accepts: dlk_ and at least 32 of [A-Za-z0-9_-]
            assertTrue(apiKey.matches("dlk_[A-Za-z0-9]{43}"), key + ": " + apiKey);
            apiKeys.add(apiKey);
        }
        assertEquals(3, apiKeys.size(), "each API key its own");
        // the judge reads no provider key that does not exist
        assertTrue(env(container(chart, "judge-service"), "QUARKUS_LANGCHAIN4J_OPENAI_API_KEY").isEmpty());
    }

    @Test
    void anUpgradeKeepsTheGeneratedPasswordsOfTheReleaseSecret() {
        Map<String, String> previous = Map.of(
                "postgres-password", b64("pg-kept"), "metrics-database-password", b64("metrics-kept"),
                "judge-database-password", b64("judge-kept"), "trainer-database-password", b64("trainer-kept"),
                "bootstrap-admin-key", b64(KEPT_ADMIN_KEY), "metrics-judge-key", b64(KEPT_METRICS_KEY),
                "trainer-metrics-key", b64(KEPT_TRAINER_KEY));
        RenderedChart.CLUSTER.putSecret(NetworkPaths.NAMESPACE, FULL + "-secrets", previous);
        try {
            RenderedChart upgrade = render(Map.of("secrets.judgeDatabasePassword", "judge-new"));
            Secret s = upgrade.get(Secret.class, FULL + "-secrets");
            assertEquals("pg-kept", decoded(s, "postgres-password"));
            assertEquals("metrics-kept", decoded(s, "metrics-database-password"));
            assertEquals("trainer-kept", decoded(s, "trainer-database-password"));
            assertEquals("judge-new", decoded(s, "judge-database-password"), "a given value wins over the kept one");
            assertEquals(KEPT_ADMIN_KEY, decoded(s, "bootstrap-admin-key"));
            assertEquals(KEPT_METRICS_KEY, decoded(s, "metrics-judge-key"));
            assertEquals(KEPT_TRAINER_KEY, decoded(s, "trainer-metrics-key"));
            assertEquals("dlk_" + "g".repeat(40), decoded(render(Map.of("secrets.trainerToMetricsKey", "dlk_" + "g".repeat(40)))
                    .get(Secret.class, FULL + "-secrets"), "trainer-metrics-key"), "a given key wins over a generated one");
            // the same values render the same checksum: an upgrade that changes nothing rolls nothing
            assertEquals(checksum(upgrade, "metrics-service"),
                    checksum(render(Map.of("secrets.judgeDatabasePassword", "judge-new")), "metrics-service"));
        } finally {
            RenderedChart.CLUSTER.removeSecrets();
        }
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes());
    }

    static String checksum(RenderedChart chart, String service) {
        return chart.get(Deployment.class, FULL + "-" + service).getSpec().getTemplate().getMetadata().getAnnotations()
                .get("checksum/secret");
    }

    @Test
    void aChangedPasswordOrSettingRollsThePods() {
        // every secret given: generated ones differ from render to render (a cluster keeps them, see above)
        Map<String, String> base = Map.of("secrets.metricsDatabasePassword", "a", "secrets.judgeDatabasePassword", "b",
                "secrets.trainerDatabasePassword", "c", "secrets.postgresPassword", "d",
                "secrets.bootstrapAdminKey", KEPT_ADMIN_KEY, "secrets.metricsToJudgeKey", KEPT_METRICS_KEY,
                "secrets.trainerToMetricsKey", KEPT_TRAINER_KEY);
        RenderedChart before = render(base);
        var changed = new java.util.HashMap<>(base);
        changed.put("secrets.metricsDatabasePassword", "a2");
        RenderedChart after = render(changed);
        for (String svc : SERVICES) {
            assertNotEquals(checksum(before, svc), checksum(after, svc), svc);
        }
        assertNotEquals(before.get(StatefulSet.class, FULL + "-postgresql").getSpec().getTemplate().getMetadata()
                .getAnnotations().get("checksum/secret"), after.get(StatefulSet.class, FULL + "-postgresql").getSpec()
                .getTemplate().getMetadata().getAnnotations().get("checksum/secret"));
        // a plain setting lives in the ConfigMap and rolls only its service
        var moreWorkers = new java.util.HashMap<>(base);
        moreWorkers.put("metrics.workerThreads", "7");
        RenderedChart tuned = render(moreWorkers);
        assertEquals("7", tuned.get(ConfigMap.class, FULL + "-metrics-service").getData().get("DISTILLAB_WORKER_THREADS"));
        assertNotEquals(configChecksum(before, "metrics-service"), configChecksum(tuned, "metrics-service"));
        assertEquals(configChecksum(before, "judge-service"), configChecksum(tuned, "judge-service"));
        assertEquals(checksum(before, "judge-service"), checksum(tuned, "judge-service"));
    }

    static String configChecksum(RenderedChart chart, String service) {
        return chart.get(Deployment.class, FULL + "-" + service).getSpec().getTemplate().getMetadata().getAnnotations()
                .get("checksum/config");
    }

    @Test
    void eachServiceHasItsOwnDatabaseAndUserOnTheChartsPostgres() {
        RenderedChart chart = render(Map.of());
        for (String svc : SERVICES) {
            String db = "distillab_" + svc.replace("-service", "");
            Map<String, String> env = NetworkPaths.environment(chart, container(chart, svc));
            assertEquals("jdbc:postgresql://lab-distillab-postgresql:5432/" + db, env.get("QUARKUS_DATASOURCE_JDBC_URL"));
            assertEquals(db, env.get("QUARKUS_DATASOURCE_USERNAME"));
            assertEquals("false", env.get("DISTILLAB_EMBEDDED_POSTGRES_ENABLED"));
            EnvVar pw = env(container(chart, svc), "QUARKUS_DATASOURCE_PASSWORD").orElseThrow();
            assertNull(pw.getValue());
            assertEquals(svc.replace("-service", "") + "-database-password", pw.getValueFrom().getSecretKeyRef().getKey());
            String init = chart.get(ConfigMap.class, FULL + "-postgresql-init").getData().get("databases.psql");
            assertTrue(init.contains("CREATE DATABASE " + db + " OWNER " + db + ";"), init);
        }
    }

    @Test
    void anExternalServerNeedsItsPasswordsOrAnExistingSecret() {
        Exception e = assertThrows(Exception.class,
                () -> render(Map.of("postgresql.enabled", "false", "postgresql.external.host", "db.internal")));
        assertTrue(e.getMessage().contains("secrets.judgeDatabasePassword is required with an external PostgreSQL"),
                e.getMessage());
        e = assertThrows(Exception.class, () -> render(Map.of("postgresql.enabled", "false")));
        assertTrue(e.getMessage().contains("postgresql.external.host is required"), e.getMessage());

        RenderedChart chart = render(Map.of("postgresql.enabled", "false", "postgresql.external.host", "db.internal",
                "postgresql.external.port", "6432", "postgresql.external.parameters", "sslmode=require",
                "secrets.existingSecret", "prod-secrets"));
        assertTrue(chart.objects.stream().noneMatch(o -> o instanceof StatefulSet || o instanceof Secret
                || o.getMetadata().getName().contains("postgresql")), chart.names().toString());
        Invariants.check(chart);
        Container judge = container(chart, "judge-service");
        assertEquals("jdbc:postgresql://db.internal:6432/distillab_judge?sslmode=require",
                NetworkPaths.environment(chart, judge).get("QUARKUS_DATASOURCE_JDBC_URL"));
        assertEquals("prod-secrets", env(judge, "QUARKUS_DATASOURCE_PASSWORD").orElseThrow().getValueFrom()
                .getSecretKeyRef().getName());
        // with a Secret of the user's the key may be there: read, optionally
        var key = env(judge, "QUARKUS_LANGCHAIN4J_OPENAI_API_KEY").orElseThrow().getValueFrom().getSecretKeyRef();
        assertEquals("prod-secrets", key.getName());
        assertTrue(key.getOptional());
    }

    static final List<String> API_KEYS = List.of("bootstrap-admin-key", "metrics-judge-key", "trainer-metrics-key");
    static final String KEPT_ADMIN_KEY = "dlk_" + "k".repeat(43);
    static final String KEPT_METRICS_KEY = "dlk_" + "m".repeat(43);
    static final String KEPT_TRAINER_KEY = "dlk_" + "t".repeat(43);

    /** The env entry {@code name}, read from the Secret {@code secret} under {@code key}, not optional. */
    static void fromSecret(Container c, String name, String secret, String key) {
        EnvVar e = env(c, name).orElseThrow(() -> new AssertionError(c.getName() + " has no " + name));
        assertNull(e.getValue(), name);
        assertEquals(secret, e.getValueFrom().getSecretKeyRef().getName(), c.getName() + " " + name);
        assertEquals(key, e.getValueFrom().getSecretKeyRef().getKey(), c.getName() + " " + name);
        assertNotEquals(Boolean.TRUE, e.getValueFrom().getSecretKeyRef().getOptional(), c.getName() + " " + name);
    }

    /** Kubernetes expands $(VAR) only from variables defined earlier in the list. */
    static int position(Container c, String name) {
        for (int i = 0; i < c.getEnv().size(); i++) {
            if (c.getEnv().get(i).getName().equals(name)) {
                return i;
            }
        }
        throw new AssertionError(c.getName() + " has no " + name);
    }

    @Test
    void eachServiceTakesTheKeysOfItsCallersAndSendsItsOwnFromTheSecret() {
        for (Map<String, String> values : List.of(Map.<String, String>of(), Map.of("secrets.existingSecret", "prod-secrets"))) {
            RenderedChart chart = render(values);
            String secret = values.isEmpty() ? FULL + "-secrets" : "prod-secrets";
            Container judge = container(chart, "judge-service");
            Container metrics = container(chart, "metrics-service");
            Container trainer = container(chart, "trainer-service");
            for (Container c : List.of(judge, metrics, trainer)) {
                fromSecret(c, "DISTILLAB_KEY_BOOTSTRAP_ADMIN", secret, "bootstrap-admin-key");
            }
            // judge-service takes the bootstrap admin key and metrics-service's as a writer
            fromSecret(judge, "DISTILLAB_KEY_FROM_METRICS", secret, "metrics-judge-key");
            assertEquals("bootstrap-admin:admin:$(DISTILLAB_KEY_BOOTSTRAP_ADMIN),metrics-service:writer:$(DISTILLAB_KEY_FROM_METRICS)",
                    env(judge, "DISTILLAB_AUTH_BOOTSTRAP_KEYS").orElseThrow().getValue());
            assertTrue(position(judge, "DISTILLAB_KEY_FROM_METRICS") < position(judge, "DISTILLAB_AUTH_BOOTSTRAP_KEYS"));
            assertTrue(position(judge, "DISTILLAB_KEY_BOOTSTRAP_ADMIN") < position(judge, "DISTILLAB_AUTH_BOOTSTRAP_KEYS"));
            // metrics-service sends judge-service that key, and takes trainer-service's as a reader
            fromSecret(metrics, "DISTILLAB_JUDGE_API_KEY", secret, "metrics-judge-key");
            fromSecret(metrics, "DISTILLAB_KEY_FROM_TRAINER", secret, "trainer-metrics-key");
            assertEquals("bootstrap-admin:admin:$(DISTILLAB_KEY_BOOTSTRAP_ADMIN),trainer-service:reader:$(DISTILLAB_KEY_FROM_TRAINER)",
                    env(metrics, "DISTILLAB_AUTH_BOOTSTRAP_KEYS").orElseThrow().getValue());
            assertTrue(position(metrics, "DISTILLAB_KEY_FROM_TRAINER") < position(metrics, "DISTILLAB_AUTH_BOOTSTRAP_KEYS"));
            assertTrue(position(metrics, "DISTILLAB_KEY_BOOTSTRAP_ADMIN") < position(metrics, "DISTILLAB_AUTH_BOOTSTRAP_KEYS"));
            // trainer-service sends metrics-service its key and takes only the bootstrap admin key
            fromSecret(trainer, "DISTILLAB_METRICS_API_KEY", secret, "trainer-metrics-key");
            assertEquals("bootstrap-admin:admin:$(DISTILLAB_KEY_BOOTSTRAP_ADMIN)",
                    env(trainer, "DISTILLAB_AUTH_BOOTSTRAP_KEYS").orElseThrow().getValue());
            // no service reads a key that is not its business
            assertTrue(env(judge, "DISTILLAB_KEY_FROM_TRAINER").isEmpty() && env(trainer, "DISTILLAB_KEY_FROM_METRICS").isEmpty()
                    && env(judge, "DISTILLAB_JUDGE_API_KEY").isEmpty() && env(judge, "DISTILLAB_METRICS_API_KEY").isEmpty());
        }
        // without trainer-service metrics-service takes no key for it
        Container alone = container(render(Map.of("trainer.enabled", "false")), "metrics-service");
        assertTrue(env(alone, "DISTILLAB_KEY_FROM_TRAINER").isEmpty());
        assertEquals("bootstrap-admin:admin:$(DISTILLAB_KEY_BOOTSTRAP_ADMIN)",
                env(alone, "DISTILLAB_AUTH_BOOTSTRAP_KEYS").orElseThrow().getValue());
    }

    @Test
    void metricsAreScrapedWithoutATokenAndSwaggerUiIsOffUnlessAskedFor() {
        RenderedChart chart = render(Map.of());
        RenderedChart changed = render(Map.of("operations.metricsAccess", "authenticated", "operations.swaggerUi", "true"));
        for (String svc : SERVICES) {
            Map<String, String> config = chart.get(ConfigMap.class, FULL + "-" + svc).getData();
            assertEquals("permit", config.get("DISTILLAB_METRICS_ACCESS"), svc);
            assertEquals("false", config.get("DISTILLAB_SWAGGER_UI_ENABLED"), svc);
            Map<String, String> asked = changed.get(ConfigMap.class, FULL + "-" + svc).getData();
            assertEquals("authenticated", asked.get("DISTILLAB_METRICS_ACCESS"), svc);
            assertEquals("true", asked.get("DISTILLAB_SWAGGER_UI_ENABLED"), svc);
        }
        Exception e = assertThrows(Exception.class, () -> render(Map.of("operations.metricsAccess", "open")));
        assertTrue(e.getMessage().contains("metricsAccess"), e.getMessage());
    }

    @Test
    void apiKeysAreOnlyInTheSecret() {
        String admin = "dlk_" + "a".repeat(40);
        String toJudge = "dlk_" + "j".repeat(40);
        String toMetrics = "dlk_" + "t".repeat(40);
        RenderedChart chart = render(Map.of("secrets.bootstrapAdminKey", admin, "secrets.metricsToJudgeKey", toJudge,
                "secrets.trainerToMetricsKey", toMetrics));
        Secret secret = chart.get(Secret.class, FULL + "-secrets");
        assertEquals(admin, decoded(secret, "bootstrap-admin-key"));
        assertEquals(toJudge, decoded(secret, "metrics-judge-key"));
        assertEquals(toMetrics, decoded(secret, "trainer-metrics-key"));
        for (String key : List.of(admin, toJudge, toMetrics)) {
            for (String svc : SERVICES) {
                assertTrue(NetworkPaths.environment(chart, container(chart, svc)).values().stream()
                        .noneMatch(v -> v.contains(key.substring(4))), svc);
            }
            assertTrue(chart.all(ConfigMap.class).noneMatch(c -> c.getData().values().stream()
                    .anyMatch(v -> v.contains(key.substring(4)))));
        }
        // a key the services would refuse is refused by the schema
        Exception e = assertThrows(Exception.class, () -> render(Map.of("secrets.bootstrapAdminKey", "dlk_short")));
        assertTrue(e.getMessage().contains("bootstrapAdminKey"), e.getMessage());
        e = assertThrows(Exception.class, () -> render(Map.of("secrets.metricsToJudgeKey", "x".repeat(40))));
        assertTrue(e.getMessage().contains("metricsToJudgeKey"), e.getMessage());
    }

    @Test
    void aProviderKeyIsStoredInTheSecretAndOnlyReferenced() {
        RenderedChart chart = render(Map.of("secrets.judgeApiKey", "sk-test", "judge.llm.enabled", "true"));
        assertEquals("sk-test", decoded(chart.get(Secret.class, FULL + "-secrets"), "judge-api-key"));
        for (String svc : SERVICES) {
            assertTrue(NetworkPaths.environment(chart, container(chart, svc)).values().stream()
                    .noneMatch(v -> v.contains("sk-test")), svc);
        }
        assertTrue(chart.all(ConfigMap.class).noneMatch(c -> c.getData().values().stream().anyMatch(v -> v.contains("sk-test"))));
        assertEquals("judge-api-key", env(container(chart, "judge-service"), "QUARKUS_LANGCHAIN4J_OPENAI_API_KEY")
                .orElseThrow().getValueFrom().getSecretKeyRef().getKey());
    }

    @Test
    void unknownValuesAreRefusedByTheSchema() {
        Exception e = assertThrows(Exception.class, () -> render(Map.of("metrics.replica", "3")));
        assertTrue(e.getMessage().contains("replica"), e.getMessage());
        e = assertThrows(Exception.class, () -> render(Map.of("judge.defaultJudge", "gpt")));
        assertTrue(e.getMessage().contains("defaultJudge"), e.getMessage());
        e = assertThrows(Exception.class, () -> render(Map.of("metrics.database.name", "drop table")));
        assertTrue(e.getMessage().contains("name"), e.getMessage());
    }

    @Test
    void trainerRunsOnTheGpuPoolWithItsModelStoreAndRecreate() {
        RenderedChart chart = render(Map.of());
        Deployment trainer = chart.get(Deployment.class, FULL + "-trainer-service");
        assertEquals("Recreate", trainer.getSpec().getStrategy().getType());
        PodSpec pod = trainer.getSpec().getTemplate().getSpec();
        assertEquals(Map.of("distillab.io/pool", "gpu"), pod.getNodeSelector());
        assertEquals("nvidia.com/gpu", pod.getTolerations().get(0).getKey());
        Container c = pod.getContainers().get(0);
        assertEquals(new Quantity("1"), c.getResources().getLimits().get("nvidia.com/gpu"));
        assertEquals("/var/lib/distillab/models", NetworkPaths.environment(chart, c).get("DISTILLAB_MODEL_STORE"));
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("model-store")
                && m.getMountPath().equals("/var/lib/distillab/models")));
        assertEquals(FULL + "-trainer-models", pod.getVolumes().stream().filter(v -> v.getName().equals("model-store"))
                .findFirst().orElseThrow().getPersistentVolumeClaim().getClaimName());
        assertEquals("keep", chart.get(PersistentVolumeClaim.class, FULL + "-trainer-models").getMetadata().getAnnotations()
                .get("helm.sh/resource-policy"));
        // no Kubernetes API access without the Job mode
        assertFalse(pod.getAutomountServiceAccountToken());
        assertTrue(chart.all(Role.class).findAny().isEmpty());
        PodSpec judge = chart.get(Deployment.class, FULL + "-judge-service").getSpec().getTemplate().getSpec();
        assertTrue(judge.getNodeSelector() == null || judge.getNodeSelector().isEmpty(), "the judge needs no GPU");
        assertFalse(judge.getContainers().get(0).getResources().getLimits().containsKey("nvidia.com/gpu"));
    }

    @Test
    void theJobModeGetsRbacForJobsAndTheirPodsOnly() {
        RenderedChart chart = render(Map.of("trainer.kubernetesJobs.enabled", "true",
                "trainer.modelStore.existingClaim", "shared-models"));
        Invariants.check(chart);
        Role role = chart.get(Role.class, FULL + "-trainer-service");
        List<String> rules = new ArrayList<>();
        role.getRules().forEach(r -> rules.add(r.getApiGroups() + " " + r.getResources() + " " + r.getVerbs()));
        assertEquals(List.of("[batch] [jobs] [create, get, list, watch, delete]", "[] [pods] [get, list, watch]",
                "[] [pods/log] [get]"), rules);
        RoleBinding binding = chart.get(RoleBinding.class, FULL + "-trainer-service");
        assertEquals(FULL + "-trainer-service", binding.getSubjects().get(0).getName());
        assertEquals("eval", binding.getSubjects().get(0).getNamespace());
        assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
        PodSpec pod = chart.get(Deployment.class, FULL + "-trainer-service").getSpec().getTemplate().getSpec();
        assertEquals(FULL + "-trainer-service", pod.getServiceAccountName());
        assertTrue(pod.getAutomountServiceAccountToken());
        assertTrue(chart.get(ServiceAccount.class, FULL + "-trainer-service").getAutomountServiceAccountToken());
        // the Jobs as the trainer's configuration (distillab.kubernetes.*) wants them: its image, namespace, the
        // CLI on the image's PATH, the pool, the same model store at the same path, an account without API access
        Map<String, String> env = NetworkPaths.environment(chart, pod.getContainers().get(0));
        assertEquals("true", env.get("DISTILLAB_KUBERNETES_ENABLED"));
        assertEquals("eval", env.get("DISTILLAB_KUBERNETES_NAMESPACE"));
        assertEquals(pod.getContainers().get(0).getImage(), env.get("DISTILLAB_KUBERNETES_IMAGE"));
        assertEquals("/opt/distillab/bin/distillab", env.get("DISTILLAB_KUBERNETES_COMMAND"));
        assertEquals("nvidia.com/gpu:NoSchedule", env.get("DISTILLAB_KUBERNETES_TOLERATIONS"));
        assertEquals("1", env.get("DISTILLAB_KUBERNETES_GPUS_PER_JOB"));
        assertEquals("shared-models", env.get("DISTILLAB_KUBERNETES_MODEL_STORE_CLAIM"));
        assertEquals(env.get("DISTILLAB_MODEL_STORE"), env.get("DISTILLAB_KUBERNETES_MODEL_STORE_MOUNT"));
        ServiceAccount jobAccount = chart.get(ServiceAccount.class, env.get("DISTILLAB_KUBERNETES_SERVICE_ACCOUNT"));
        assertFalse(jobAccount.getAutomountServiceAccountToken());
        String jobSettings = chart.get(ConfigMap.class, FULL + "-trainer-jobs").getData().get("trainer-jobs.properties");
        assertEquals("distillab.kubernetes.node-selector.\"distillab.io/pool\"=gpu", jobSettings.strip());
        assertTrue(pod.getContainers().get(0).getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/etc/distillab")));
        assertEquals("/etc/distillab/trainer-jobs.properties", env.get("QUARKUS_CONFIG_LOCATIONS"));
        // the user's claim, none of the chart's
        assertTrue(chart.find(PersistentVolumeClaim.class, FULL + "-trainer-models").isEmpty());
        assertEquals("shared-models", pod.getVolumes().stream().filter(v -> v.getName().equals("model-store")).findFirst()
                .orElseThrow().getPersistentVolumeClaim().getClaimName());
        // and a way to the API server
        NetworkPolicy np = chart.get(NetworkPolicy.class, FULL + "-trainer-service");
        assertTrue(np.getSpec().getEgress().stream().anyMatch(r -> r.getPorts().stream()
                .anyMatch(p -> p.getPort().getIntVal() == 6443)));
        // the Jobs' pods carry trainer-service's labels (TrainJobManifest), not the release's, so the
        // default deny does not select them: their own policy does, and allows nothing either way
        NetworkPolicy jobs = chart.get(NetworkPolicy.class, FULL + "-training-jobs");
        assertEquals(Map.of("app.kubernetes.io/name", "distillab-trainer", "app.kubernetes.io/component", "training-job"),
                jobs.getSpec().getPodSelector().getMatchLabels());
        assertEquals(List.of("Ingress", "Egress"), jobs.getSpec().getPolicyTypes());
        assertTrue(jobs.getSpec().getIngress() == null || jobs.getSpec().getIngress().isEmpty());
        assertTrue(jobs.getSpec().getEgress() == null || jobs.getSpec().getEgress().isEmpty());
        assertTrue(render(Map.of()).find(NetworkPolicy.class, FULL + "-training-jobs").isEmpty(),
                "no Jobs, no policy for them");
    }

    @Test
    void judgeAndMetricsScaleOnCpuAndOnTheAnalysisQueue() {
        RenderedChart chart = render(Map.of("metrics.autoscaling.queuedAnalysesPerReplica", "3",
                "judge.autoscaling.runningAnalysesPerReplica", "2", "judge.autoscaling.maxReplicas", "40"));
        HorizontalPodAutoscaler metrics = chart.get(HorizontalPodAutoscaler.class, FULL + "-metrics-service");
        assertEquals("autoscaling/v2", metrics.getApiVersion());
        assertEquals(70, metrics.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization());
        var queue = metrics.getSpec().getMetrics().get(1).getExternal();
        assertEquals(QueueMetric.NAME, queue.getMetric().getName());
        assertEquals(Map.of("status", "queued"), queue.getMetric().getSelector().getMatchLabels());
        assertEquals(new Quantity("3"), queue.getTarget().getAverageValue());
        HorizontalPodAutoscaler judge = chart.get(HorizontalPodAutoscaler.class, FULL + "-judge-service");
        assertEquals(40, judge.getSpec().getMaxReplicas());
        assertEquals(Map.of("status", "running"), judge.getSpec().getMetrics().get(1).getExternal().getMetric()
                .getSelector().getMatchLabels());
        // an autoscaled Deployment leaves its replicas to the autoscaler
        assertNull(chart.get(Deployment.class, FULL + "-metrics-service").getSpec().getReplicas());
        RenderedChart fixed = render(Map.of("metrics.autoscaling.enabled", "false", "metrics.replicas", "3"));
        assertEquals(3, fixed.get(Deployment.class, FULL + "-metrics-service").getSpec().getReplicas());
        assertTrue(fixed.find(HorizontalPodAutoscaler.class, FULL + "-metrics-service").isEmpty());
    }

    @Test
    void thePrometheusAdapterRuleServesTheMetricTheAutoscalersAskFor() throws IOException {
        Map<?, ?> rules = Images.yaml(RenderedChart.ROOT.resolve("k8s/prometheus-adapter-rules.yaml"));
        Map<?, ?> rule = (Map<?, ?>) ((List<?>) rules.get("external")).get(0);
        assertTrue(rule.get("seriesQuery").toString().startsWith(QueueMetric.NAME + "{"), rule.toString());
        assertEquals(QueueMetric.NAME, ((Map<?, ?>) rule.get("name")).get("as"));
        // every replica reports the whole queue: max, never sum
        assertTrue(rule.get("metricsQuery").toString().startsWith("max("), rule.toString());
    }

    @Test
    void kedaScalesTheJudgeFromZeroInsteadOfTheAutoscaler() {
        RenderedChart chart = render(Map.of(), RenderedChart.ROOT.resolve("k8s/values/burst.yaml"));
        assertTrue(chart.find(HorizontalPodAutoscaler.class, FULL + "-judge-service").isEmpty(),
                "KEDA makes its own autoscaler; two would fight");
        RenderedChart.Keda.ScaledObject so = chart.scaledObjects.get(0);
        assertEquals("keda.sh/v1alpha1", so.apiVersion());
        assertEquals(FULL + "-judge-service", so.spec().scaleTargetRef().name());
        assertEquals(0, so.spec().minReplicaCount());
        var trigger = so.spec().triggers().get(0);
        assertEquals("prometheus", trigger.type());
        assertTrue(RenderedChart.Keda.PROMETHEUS_TRIGGER_KEYS.containsAll(trigger.metadata().keySet()), trigger.toString());
        assertTrue(trigger.metadata().get("query").contains(QueueMetric.NAME + "{"), trigger.metadata().get("query"));
        assertNull(chart.get(Deployment.class, FULL + "-judge-service").getSpec().getReplicas());
        // a PDB that allows at least one disruption, also at zero replicas
        assertEquals(2, chart.get(PodDisruptionBudget.class, FULL + "-judge-service").getSpec().getMaxUnavailable().getIntVal());
    }

    @Test
    void theIngressRoutesTheTwoPublicApis() {
        RenderedChart chart = render(Map.of("ingress.enabled", "true", "ingress.className", "nginx",
                "networkPolicy.apiClients[0].namespaceSelector.matchLabels.name", "ingress-nginx"));
        Ingress ingress = chart.get(Ingress.class, FULL);
        assertEquals("nginx", ingress.getSpec().getIngressClassName());
        assertEquals(List.of(FULL + "-metrics-service", FULL + "-trainer-service"), ingress.getSpec().getRules().stream()
                .map(r -> r.getHttp().getPaths().get(0).getBackend().getService().getName()).toList());
        // the judge and PostgreSQL are never public
        Set<String> used = NetworkPaths.used(chart);
        assertEquals(used, NetworkPaths.allowed(chart));
        NetworkPolicy metrics = chart.get(NetworkPolicy.class, FULL + "-metrics-service");
        assertEquals("ingress-nginx", metrics.getSpec().getIngress().get(0).getFrom().get(0).getNamespaceSelector()
                .getMatchLabels().get("name"));
    }

    @Test
    void imagePullSecretsReachEveryPod() {
        RenderedChart chart = render(Map.of("imagePullSecrets[0]", "regcred"));
        chart.all(Deployment.class).forEach(d -> assertEquals("regcred",
                d.getSpec().getTemplate().getSpec().getImagePullSecrets().get(0).getName(), d.getMetadata().getName()));
        assertEquals("regcred", chart.get(StatefulSet.class, FULL + "-postgresql").getSpec().getTemplate().getSpec()
                .getImagePullSecrets().get(0).getName());
    }

    @Test
    void theJudgeReachesItsProviderOnlyWhenTheLlmJudgeIsOn() {
        NetworkPolicy offline = render(Map.of()).get(NetworkPolicy.class, FULL + "-judge-service");
        assertTrue(offline.getSpec().getEgress().stream().noneMatch(r -> r.getTo().stream().anyMatch(p -> p.getIpBlock() != null)));
        NetworkPolicy llm = render(Map.of("judge.llm.enabled", "true")).get(NetworkPolicy.class, FULL + "-judge-service");
        assertTrue(llm.getSpec().getEgress().stream().anyMatch(r -> r.getTo().stream().anyMatch(p -> p.getIpBlock() != null)
                && r.getPorts().get(0).getPort().getIntVal() == 443));
    }

    @Test
    void anOidcIssuerReachesEveryServiceOnlyWhenSet() throws IOException {
        List<String> oidcEnv = List.of("DISTILLAB_AUTH_JWT_ISSUER", "DISTILLAB_AUTH_JWT_JWKS_URL", "DISTILLAB_AUTH_ROLES_CLAIM",
                "DISTILLAB_AUTH_JWT_AUDIENCE");
        // each variable is one of the services' own settings (SmallRye's environment form of its name)
        Properties shared = new Properties();
        try (var r = Files.newBufferedReader(RenderedChart.ROOT.resolve(
                "service-support/src/main/resources/META-INF/microprofile-config.properties"))) {
            shared.load(r);
        }
        Set<String> settings = new TreeSet<>();
        shared.stringPropertyNames().forEach(k -> settings.add(k.replaceAll("[^A-Za-z0-9]", "_").toUpperCase()));
        assertTrue(settings.containsAll(oidcEnv), settings.toString());

        String issuer = "https://sso.example.com/realms/lab";
        String jwks = issuer + "/protocol/openid-connect/certs";
        RenderedChart plain = render(Map.of());
        RenderedChart oidc = render(Map.of("auth.oidc.issuer", issuer, "auth.oidc.jwksUrl", jwks,
                "auth.oidc.rolesClaim", "realm_access/roles", "auth.oidc.audience", "distillab,distillab-cli"));
        RenderedChart defaultClaim = render(Map.of("auth.oidc.issuer", issuer, "auth.oidc.jwksUrl", jwks));
        Invariants.check(oidc);
        for (String svc : SERVICES) {
            Map<String, String> none = NetworkPaths.environment(plain, container(plain, svc));
            assertTrue(oidcEnv.stream().noneMatch(none::containsKey), svc + ": " + none.keySet());
            Map<String, String> set = NetworkPaths.environment(oidc, container(oidc, svc));
            assertEquals(issuer, set.get("DISTILLAB_AUTH_JWT_ISSUER"), svc);
            assertEquals(jwks, set.get("DISTILLAB_AUTH_JWT_JWKS_URL"), svc);
            assertEquals("realm_access/roles", set.get("DISTILLAB_AUTH_ROLES_CLAIM"), svc);
            assertEquals("distillab,distillab-cli", set.get("DISTILLAB_AUTH_JWT_AUDIENCE"), svc);
            Map<String, String> groups = NetworkPaths.environment(defaultClaim, container(defaultClaim, svc));
            assertEquals(issuer, groups.get("DISTILLAB_AUTH_JWT_ISSUER"), svc);
            assertFalse(groups.containsKey("DISTILLAB_AUTH_ROLES_CLAIM"), svc + ": the services' default claim stays");
            assertFalse(groups.containsKey("DISTILLAB_AUTH_JWT_AUDIENCE"), svc + ": no audience, none checked");
            // a new issuer rolls the pods
            assertNotEquals(checksum(plain, svc), checksum(oidc, svc), svc);

            // the pods may fetch the JWKS (port 443 outside the cluster) only when there is one
            assertFalse(reachesOutsideOn(plain.get(NetworkPolicy.class, FULL + "-" + svc), 443), svc);
            assertTrue(reachesOutsideOn(oidc.get(NetworkPolicy.class, FULL + "-" + svc), 443), svc);
        }
        // the pods still reach exactly the release's services their configuration names
        assertEquals(NetworkPaths.used(oidc), NetworkPaths.allowed(oidc));

        for (Map<String, String> half : List.of(Map.of("auth.oidc.issuer", issuer), Map.of("auth.oidc.jwksUrl", jwks),
                Map.of("auth.oidc.rolesClaim", "roles"), Map.of("auth.oidc.audience", "distillab"))) {
            Exception e = assertThrows(Exception.class, () -> render(half));
            assertTrue(e.getMessage().contains("auth.oidc.issuer and auth.oidc.jwksUrl go together"), e.getMessage());
        }
        Exception e = assertThrows(Exception.class,
                () -> render(Map.of("auth.oidc.issuer", issuer, "auth.oidc.jwksUrl", "sso.example.com/certs")));
        assertTrue(e.getMessage().contains("jwksUrl"), e.getMessage());
        e = assertThrows(Exception.class, () -> render(Map.of("auth.oidc.issuer", issuer, "auth.oidc.jwksUrl", jwks,
                "auth.oidc.audience", "distillab, cli")));
        assertTrue(e.getMessage().contains("audience"), e.getMessage());
    }

    private static boolean reachesOutsideOn(NetworkPolicy policy, int port) {
        return policy.getSpec().getEgress().stream().anyMatch(r -> r.getTo().stream().anyMatch(p -> p.getIpBlock() != null)
                && r.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() == port));
    }

    @Test
    void everyValueIsDocumentedInTheReadme() throws IOException {
        String readme = Files.readString(RenderedChart.ROOT.resolve("k8s/README.md"));
        List<String> missing = new ArrayList<>();
        for (String key : Invariants.valueKeys()) {
            if (!readme.contains("`" + key + "`")) {
                missing.add(key);
            }
        }
        assertEquals(List.of(), missing, "values not described in k8s/README.md");
    }

    @Test
    void servicesExposeHttpAndGrpc() {
        Service s = render(Map.of()).get(Service.class, FULL + "-judge-service");
        assertEquals(List.of("http:80->http", "grpc:9000->http"), s.getSpec().getPorts().stream()
                .map(p -> p.getName() + ":" + p.getPort() + "->" + p.getTargetPort().getStrVal()).toList());
        assertEquals("kubernetes.io/h2c", s.getSpec().getPorts().get(1).getAppProtocol());
    }
}
