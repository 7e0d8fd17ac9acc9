package io.distillab.trainer.kubernetes;

import io.distillab.trainer.store.ModelStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Kubernetes runner, made only in Kubernetes mode (the scheduler asks for it then): the fabric8
 * client is Quarkus's, configured from the pod's service account or {@code quarkus.kubernetes-client.*}.
 */
@ApplicationScoped
public class KubernetesRunnerProducer {

    @Produces
    @Singleton
    KubernetesJobRunner runner(Instance<KubernetesClient> client, ModelStore store,
                               @ConfigProperty(name = "distillab.kubernetes.namespace") String namespace,
                               @ConfigProperty(name = "distillab.kubernetes.image") String image,
                               @ConfigProperty(name = "distillab.kubernetes.command") String command,
                               @ConfigProperty(name = "distillab.kubernetes.gpus-per-job") int gpus,
                               @ConfigProperty(name = "distillab.kubernetes.node-selector") Map<String, String> nodeSelector,
                               @ConfigProperty(name = "distillab.kubernetes.tolerations") Optional<List<String>> tolerations,
                               @ConfigProperty(name = "distillab.kubernetes.model-store-claim") String claim,
                               @ConfigProperty(name = "distillab.kubernetes.model-store-mount") String mount,
                               @ConfigProperty(name = "distillab.kubernetes.service-account") Optional<String> account,
                               @ConfigProperty(name = "distillab.kubernetes.cpu") Optional<String> cpu,
                               @ConfigProperty(name = "distillab.kubernetes.memory") Optional<String> memory,
                               @ConfigProperty(name = "distillab.kubernetes.ttl-seconds-after-finished") Optional<Integer> ttl,
                               @ConfigProperty(name = "distillab.kubernetes.pod-retries", defaultValue = "2") int retries,
                               @ConfigProperty(name = "distillab.kubernetes.poll") Duration poll) {
        return new KubernetesJobRunner(client.get(), new KubernetesSettings(namespace, image, command, gpus,
                Map.copyOf(nodeSelector), tolerations.orElse(List.of()), claim, mount, account, cpu, memory, ttl,
                retries), store, poll);
    }
}
