package io.distillab.k8s;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The chart rendered by Helm (helm-java's embedded Helm, release "lab" in namespace "eval") and every
 * manifest parsed back by fabric8 STRICTLY: a field fabric8's model does not know (a typo, a field at
 * the wrong level) lands in some object's additionalProperties, and that fails the render here. Kinds
 * fabric8 does not model (KEDA's ScaledObject) are parsed into the typed records of {@link Keda}
 * with unknown fields refused.
 */
final class RenderedChart {
    static final Path ROOT = Path.of(System.getProperty("distillab.root", "..")).toAbsolutePath().normalize();
    static final Path CHART = ROOT.resolve("k8s/chart/distillab");
    static final String RELEASE = "lab";
    static final String FULL = "lab-distillab";

    private static final ObjectMapper STRICT = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);

    /** The cluster Helm's lookup asks (KUBECONFIG, set by the pom, names the file written here). */
    static final FakeKubernetesApi CLUSTER = startCluster();

    final List<HasMetadata> objects;
    final List<Keda.ScaledObject> scaledObjects;

    private RenderedChart(List<HasMetadata> objects, List<Keda.ScaledObject> scaledObjects) {
        this.objects = objects;
        this.scaledObjects = scaledObjects;
    }

    private static FakeKubernetesApi startCluster() {
        String file = System.getenv("KUBECONFIG");
        if (file == null) {
            throw new IllegalStateException("KUBECONFIG is not set: run the tests through Maven (k8s/pom.xml sets it)");
        }
        FakeKubernetesApi api = new FakeKubernetesApi();
        try {
            java.nio.file.Files.createDirectories(Path.of(file).getParent());
            java.nio.file.Files.writeString(Path.of(file), api.kubeConfig());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return api;
    }

    static RenderedChart render(Map<String, String> set, Path... valuesFiles) {
        TemplateCommand cmd = new Helm(CHART).template().withName(RELEASE).withNamespace("eval");
        for (Path f : valuesFiles) {
            cmd.withValuesFile(f);
        }
        set.forEach(cmd::set);
        return parse(cmd.call());
    }

    static RenderedChart parse(String yaml) {
        List<HasMetadata> out = new ArrayList<>();
        List<Keda.ScaledObject> keda = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.lines().noneMatch(l -> l.startsWith("kind:"))) {
                continue;
            }
            if (doc.lines().anyMatch(l -> l.equals("kind: ScaledObject"))) {
                Map<?, ?> tree = Serialization.unmarshal(doc, Map.class);
                keda.add(STRICT.convertValue(tree, Keda.ScaledObject.class));
                continue;
            }
            HasMetadata o = Serialization.unmarshal(doc, HasMetadata.class);
            if (o instanceof GenericKubernetesResource) {
                throw new AssertionError("fabric8 has no model for " + o.getApiVersion() + "/" + o.getKind() + ":\n" + doc);
            }
            List<String> unknown = new ArrayList<>();
            collectUnknownFields(o, o.getKind() + "/" + o.getMetadata().getName(), unknown, new IdentityHashMap<>());
            if (!unknown.isEmpty()) {
                throw new AssertionError("fields fabric8 does not know: " + unknown + " in\n" + doc);
            }
            out.add(o);
        }
        return new RenderedChart(out, keda);
    }

    /** Walks fabric8's model objects through their getters; every non-empty additionalProperties is an unknown field. */
    private static void collectUnknownFields(Object o, String path, List<String> unknown, Map<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                collectUnknownFields(e, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> collectUnknownFields(v, path + "." + k, unknown, seen));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
            } else {
                collectUnknownFields(value, path + "." + m.getName().substring(3), unknown, seen);
            }
        }
    }

    <T extends HasMetadata> T get(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError(
                "no " + type.getSimpleName() + " " + name + " in " + names()));
    }

    <T extends HasMetadata> java.util.Optional<T> find(Class<T> type, String name) {
        return all(type).filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    <T extends HasMetadata> Stream<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast);
    }

    List<String> names() {
        List<String> names = new ArrayList<>(objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList());
        scaledObjects.forEach(s -> names.add("ScaledObject/" + s.metadata().get("name")));
        return names.stream().sorted().toList();
    }

    /** Records of KEDA's ScaledObject (keda.sh/v1alpha1), only the fields the chart may write. */
    static final class Keda {
        record ScaledObject(String apiVersion, String kind, Map<String, Object> metadata, Spec spec) {}

        record Spec(Target scaleTargetRef, int minReplicaCount, int maxReplicaCount, List<Trigger> triggers) {}

        record Target(String apiVersion, String kind, String name) {}

        record Trigger(String type, Map<String, String> metadata) {}

        static final Set<String> PROMETHEUS_TRIGGER_KEYS = Set.of("serverAddress", "query", "threshold", "activationThreshold");
    }
}
