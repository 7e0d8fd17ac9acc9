package io.distillab.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every rendering of the chart must hold, whatever the values: labels and selectors that meet,
 * ports that are the services' own, probes on Quarkus' health endpoints, non-root pods with read-only
 * roots, images as the build names them, references that resolve, and NetworkPolicies that allow
 * exactly the connections the services' configuration makes.
 */
final class Invariants {
    private Invariants() {}

    static void check(RenderedChart chart) {
        List<NetworkPaths.Workload> workloads = NetworkPaths.workloads(chart);
        assertFalse(workloads.isEmpty());
        for (Deployment d : chart.all(Deployment.class).toList()) {
            assertTrue(NetworkPaths.selects(d.getSpec().getSelector(), d.getSpec().getTemplate().getMetadata().getLabels()),
                    d.getMetadata().getName() + ": the selector must match its own pods");
        }
        for (StatefulSet s : chart.all(StatefulSet.class).toList()) {
            assertTrue(NetworkPaths.selects(s.getSpec().getSelector(), s.getSpec().getTemplate().getMetadata().getLabels()));
            assertNotNull(chart.get(Service.class, s.getSpec().getServiceName()));
        }
        for (Service s : chart.all(Service.class).toList()) {
            List<NetworkPaths.Workload> selected = workloads.stream()
                    .filter(w -> NetworkPaths.selects(s.getSpec().getSelector(), w.labels())).toList();
            assertEquals(1, selected.size(), s.getMetadata().getName() + " must select exactly one workload");
            s.getSpec().getPorts().forEach(p -> NetworkPaths.containerPort(selected.get(0), p.getTargetPort()));
        }
        for (PodDisruptionBudget pdb : chart.all(PodDisruptionBudget.class).toList()) {
            assertEquals(1, workloads.stream().filter(w -> NetworkPaths.selects(pdb.getSpec().getSelector(), w.labels())).count(),
                    pdb.getMetadata().getName());
        }
        for (NetworkPolicy np : chart.all(NetworkPolicy.class).toList()) {
            // the training Jobs' pods are not the chart's: trainer-service makes them at run time
            // with the labels of its TrainJobManifest
            assertTrue(workloads.stream().anyMatch(w -> NetworkPaths.selects(np.getSpec().getPodSelector(), w.labels()))
                            || NetworkPaths.selects(np.getSpec().getPodSelector(), Map.of("app.kubernetes.io/name",
                                    "distillab-trainer", "app.kubernetes.io/component", "training-job")),
                    np.getMetadata().getName() + " selects no pod");
        }
        for (HorizontalPodAutoscaler hpa : chart.all(HorizontalPodAutoscaler.class).toList()) {
            assertNotNull(chart.get(Deployment.class, hpa.getSpec().getScaleTargetRef().getName()));
            hpa.getSpec().getMetrics().stream().filter(m -> m.getExternal() != null)
                    .forEach(m -> assertEquals(QueueMetric.NAME, m.getExternal().getMetric().getName()));
        }
        for (RenderedChart.Keda.ScaledObject so : chart.scaledObjects) {
            String target = so.spec().scaleTargetRef().name();
            assertNotNull(chart.get(Deployment.class, target));
            assertTrue(chart.find(HorizontalPodAutoscaler.class, target).isEmpty(), target + " has both KEDA and an HPA");
            so.spec().triggers().forEach(t -> assertTrue(t.metadata().get("query").contains(QueueMetric.NAME + "{")));
        }
        for (Ingress ingress : chart.all(Ingress.class).toList()) {
            ingress.getSpec().getRules().forEach(r -> r.getHttp().getPaths().forEach(p -> {
                Service s = chart.get(Service.class, p.getBackend().getService().getName());
                assertTrue(s.getSpec().getPorts().stream().anyMatch(sp -> sp.getName().equals(p.getBackend().getService().getPort().getName())));
            }));
        }
        Set<String> secretKeys = chart.find(Secret.class, RenderedChart.FULL + "-secrets")
                .map(s -> s.getData().keySet()).orElse(null);
        for (NetworkPaths.Workload w : workloads) {
            checkPod(chart, w, secretKeys);
        }
        assertEquals(NetworkPaths.used(chart), NetworkPaths.allowed(chart),
                "NetworkPolicies must allow exactly the connections the services make");
    }

    private static void checkPod(RenderedChart chart, NetworkPaths.Workload w, Set<String> secretKeys) {
        PodSpec pod = w.pod().getSpec();
        String name = w.name();
        assertTrue(pod.getSecurityContext().getRunAsNonRoot(), name + " runs as root");
        assertTrue(pod.getSecurityContext().getRunAsUser() > 0, name);
        for (Container c : pod.getContainers()) {
            assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), name + ": read-only root");
            assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation(), name);
            assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), name);
            assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")), name + ": a writable /tmp");
            assertNotNull(c.getResources().getRequests().get("cpu"), name);
            assertNotNull(c.getResources().getLimits().get("memory"), name);
            for (Probe probe : List.of(c.getStartupProbe(), c.getReadinessProbe(), c.getLivenessProbe())) {
                assertNotNull(probe, name + ": startup, readiness and liveness probes");
            }
            for (EnvVar e : c.getEnv()) {
                if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null && secretKeys != null
                        && !Boolean.TRUE.equals(e.getValueFrom().getSecretKeyRef().getOptional())) {
                    assertTrue(secretKeys.contains(e.getValueFrom().getSecretKeyRef().getKey()), name + " reads " + e);
                }
            }
            c.getEnvFrom().forEach(f -> assertNotNull(chart.get(ConfigMap.class, f.getConfigMapRef().getName())));
            if (name.equals("postgresql")) {
                continue;
            }
            ServiceConfig config = ServiceConfig.of(name);
            int http = c.getPorts().stream().filter(p -> p.getName().equals("http")).findFirst().orElseThrow().getContainerPort();
            assertEquals(config.httpPort(), http, name + ": the container port is the service's quarkus.http.port");
            assertEquals(String.valueOf(http), NetworkPaths.environment(chart, c).get("QUARKUS_HTTP_PORT"), name);
            if (config.hasGrpc()) {
                assertTrue(config.grpcOnHttpPort(), name + ": the chart serves gRPC on the HTTP port");
            }
            assertEquals("/q/health/started", c.getStartupProbe().getHttpGet().getPath(), name);
            assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath(), name);
            assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath(), name);
            for (Probe probe : List.of(c.getStartupProbe(), c.getReadinessProbe(), c.getLivenessProbe())) {
                assertEquals("http", probe.getHttpGet().getPort().getStrVal(), name);
            }
            assertEquals(Images.chartImage(name), c.getImage(), name);
            assertNotNull(chart.get(ServiceAccount.class, pod.getServiceAccountName()));
        }
    }

    /** The documented keys of values.yaml: its leaves, and the free-form maps as one key each. */
    static List<String> valueKeys() {
        Map<?, ?> values;
        try {
            values = Serialization.unmarshal(Files.readString(RenderedChart.CHART.resolve("values.yaml")), Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> keys = new ArrayList<>();
        collect(values, "", keys);
        return keys;
    }

    private static final Set<String> FREE_FORM = Set.of("resources", "nodeSelector", "annotations", "dns");

    private static void collect(Map<?, ?> map, String prefix, List<String> keys) {
        map.forEach((k, v) -> {
            String key = prefix + k;
            if (v instanceof Map<?, ?> m && !m.isEmpty() && !FREE_FORM.contains(k.toString())) {
                collect(m, key + ".", keys);
            } else {
                keys.add(key);
            }
        });
    }

}
