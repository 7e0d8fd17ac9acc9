package io.distillab.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The connections between the release's pods: those the services' configuration makes (URLs in their
 * environment that name a Service of the release) and those the NetworkPolicies let through
 * (Kubernetes' rules: a pod selected by a policy of a direction accepts only what one of those
 * policies' rules allows; a connection needs the source's egress and the destination's ingress).
 * Both as "source -> destination:containerPort".
 */
final class NetworkPaths {
    static final String NAMESPACE = "eval";
    private static final Pattern URL_HOST_PORT = Pattern.compile("^(?:jdbc:postgresql|https?)://([a-z0-9.-]+)(?::(\\d+))?(?:/.*)?$");

    record Workload(String name, Map<String, String> labels, PodTemplateSpec pod) {}

    static List<Workload> workloads(RenderedChart chart) {
        List<Workload> out = new ArrayList<>();
        chart.all(Deployment.class).forEach(d -> out.add(new Workload(component(d.getSpec().getTemplate()),
                d.getSpec().getTemplate().getMetadata().getLabels(), d.getSpec().getTemplate())));
        chart.all(StatefulSet.class).forEach(s -> out.add(new Workload(component(s.getSpec().getTemplate()),
                s.getSpec().getTemplate().getMetadata().getLabels(), s.getSpec().getTemplate())));
        return out;
    }

    private static String component(PodTemplateSpec t) {
        return t.getMetadata().getLabels().get("app.kubernetes.io/name");
    }

    /** Every environment variable of a container, with those its envFrom ConfigMaps give. */
    static Map<String, String> environment(RenderedChart chart, Container c) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
            env.putAll(chart.get(ConfigMap.class, from.getConfigMapRef().getName()).getData());
        }
        for (EnvVar e : c.getEnv()) {
            if (e.getValue() != null) {
                env.put(e.getName(), e.getValue());
            }
        }
        return env;
    }

    /** The connections the services' configuration makes to Services of the release. */
    static Set<String> used(RenderedChart chart) {
        List<Workload> workloads = workloads(chart);
        Set<String> paths = new TreeSet<>();
        for (Workload w : workloads) {
            for (Container c : w.pod().getSpec().getContainers()) {
                for (String value : environment(chart, c).values()) {
                    Matcher m = URL_HOST_PORT.matcher(value);
                    if (!m.matches()) {
                        continue;
                    }
                    String host = m.group(1);
                    var service = chart.find(Service.class, host);
                    if (service.isEmpty()) {
                        continue; // outside the release (an external database, the LLM provider)
                    }
                    int port = m.group(2) != null ? Integer.parseInt(m.group(2)) : value.startsWith("https") ? 443 : 80;
                    ServicePort sp = service.get().getSpec().getPorts().stream().filter(p -> p.getPort() == port)
                            .findFirst().orElseThrow(() -> new AssertionError(w.name() + " calls " + value
                                    + " but Service " + host + " has no port " + port));
                    List<Workload> targets = workloads.stream()
                            .filter(t -> selects(service.get().getSpec().getSelector(), t.labels())).toList();
                    if (targets.size() != 1) {
                        throw new AssertionError("Service " + host + " selects " + targets.size() + " workloads");
                    }
                    Workload target = targets.get(0);
                    paths.add(w.name() + " -> " + target.name() + ":" + containerPort(target, sp.getTargetPort()));
                }
            }
        }
        return paths;
    }

    static int containerPort(Workload w, IntOrString targetPort) {
        if (targetPort.getIntVal() != null) {
            return targetPort.getIntVal();
        }
        return w.pod().getSpec().getContainers().stream().flatMap(c -> c.getPorts().stream())
                .filter(p -> targetPort.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError(w.name() + " has no container port named " + targetPort.getStrVal()));
    }

    /** The connections between the release's pods that the NetworkPolicies allow. */
    static Set<String> allowed(RenderedChart chart) {
        List<Workload> workloads = workloads(chart);
        List<NetworkPolicy> policies = chart.all(NetworkPolicy.class).toList();
        Set<String> paths = new TreeSet<>();
        for (Workload src : workloads) {
            for (Workload dst : workloads) {
                for (Container c : dst.pod().getSpec().getContainers()) {
                    for (ContainerPort port : c.getPorts()) {
                        if (admits(policies, dst, src, port.getContainerPort(), "Ingress")
                                && admits(policies, src, dst, port.getContainerPort(), "Egress")) {
                            paths.add(src.name() + " -> " + dst.name() + ":" + port.getContainerPort());
                        }
                    }
                }
            }
        }
        return paths;
    }

    /** Whether the policies of {@code self} in this direction admit {@code peer} on {@code port}. */
    private static boolean admits(List<NetworkPolicy> policies, Workload self, Workload peer, int port, String direction) {
        List<NetworkPolicy> applying = policies.stream()
                .filter(p -> p.getSpec().getPolicyTypes().contains(direction))
                .filter(p -> selects(p.getSpec().getPodSelector(), self.labels())).toList();
        if (applying.isEmpty()) {
            return true;
        }
        for (NetworkPolicy p : applying) {
            if (direction.equals("Ingress")) {
                for (var rule : p.getSpec().getIngress()) {
                    if (peersMatch(rule.getFrom(), peer) && portsMatch(rule.getPorts(), port)) {
                        return true;
                    }
                }
            } else {
                for (var rule : p.getSpec().getEgress()) {
                    if (peersMatch(rule.getTo(), peer) && portsMatch(rule.getPorts(), port)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean peersMatch(List<NetworkPolicyPeer> peers, Workload w) {
        if (peers == null || peers.isEmpty()) {
            return true; // a rule without peers admits every source or destination
        }
        for (NetworkPolicyPeer peer : peers) {
            if (peer.getIpBlock() != null) {
                return true; // whether an ipBlock matches pod addresses is up to the network plugin: assume it does
            }
            boolean namespaceOk = peer.getNamespaceSelector() == null
                    || selects(peer.getNamespaceSelector(), Map.of("kubernetes.io/metadata.name", NAMESPACE));
            boolean podOk = peer.getPodSelector() == null || selects(peer.getPodSelector(), w.labels());
            if (namespaceOk && podOk) {
                return true;
            }
        }
        return false;
    }

    private static boolean portsMatch(List<NetworkPolicyPort> ports, int port) {
        return ports == null || ports.isEmpty() || ports.stream().anyMatch(p -> p.getPort() == null
                || (p.getPort().getIntVal() != null && p.getPort().getIntVal() == port));
    }

    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty()) {
            throw new AssertionError("matchExpressions are not used by this chart");
        }
        return selects(selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels(), labels);
    }

    static boolean selects(Map<String, String> matchLabels, Map<String, String> labels) {
        return matchLabels.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
