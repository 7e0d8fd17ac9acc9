package io.distillab.trainer.kubernetes;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How jobs become Kubernetes Jobs: the image whose {@code command} is the distillab CLI, where pods
 * go (node selector, tolerations), the GPUs each takes, and the model store volume (a
 * PersistentVolumeClaim mounted at {@code modelStoreMount} in the pods, which the service's own
 * replicas mount too).
 *
 * @param tolerations  each {@code key=value:Effect}, {@code key:Effect} (operator Exists) or
 *                     {@code key=value:Effect:seconds}
 * @param cpuRequest   e.g. "8"; empty: none
 * @param memoryRequest e.g. "64Gi", also the pod's memory limit; empty: none
 */
public record KubernetesSettings(String namespace, String image, String command, int gpusPerJob,
                                 Map<String, String> nodeSelector, List<String> tolerations,
                                 String modelStoreClaim, String modelStoreMount, Optional<String> serviceAccount,
                                 Optional<String> cpuRequest, Optional<String> memoryRequest,
                                 Optional<Integer> ttlSecondsAfterFinished, int podRetries) {

    /** The Kubernetes Job's name for job {@code id}: fixed, so a replica taking a job over finds its pod. */
    public static String jobName(long id) {
        return "distillab-train-" + id;
    }
}
