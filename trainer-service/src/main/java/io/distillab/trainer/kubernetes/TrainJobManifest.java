package io.distillab.trainer.kubernetes;

import io.distillab.trainer.job.TrainArguments;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kubernetes Job that trains one job: a single pod, never restarted by Kubernetes (the service
 * decides about retries, resuming from the last checkpoint), running {@code distillab train} of the
 * service's own image on the model store volume. GPU jobs ({@code device} cuda or auto) take
 * {@code nvidia.com/gpu} and go to the GPU node pool (node selector and tolerations); CPU jobs take
 * neither.
 */
public final class TrainJobManifest {
    public static final String JOB_ID_LABEL = "distillab.io/job-id";
    static final String GPU_RESOURCE = "nvidia.com/gpu";
    static final String VOLUME = "model-store";

    private TrainJobManifest() {
    }

    /** @param args the job's arguments on the pod's mount of the model store */
    public static Job build(KubernetesSettings k, long id, TrainArguments args) {
        String device = args.parameters().deviceOrDefault();
        boolean gpu = !device.equals("cpu");
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/name", "distillab-trainer");
        labels.put("app.kubernetes.io/component", "training-job");
        labels.put(JOB_ID_LABEL, Long.toString(id));

        Map<String, Quantity> limits = new LinkedHashMap<>();
        Map<String, Quantity> requests = new LinkedHashMap<>();
        if (gpu) {
            limits.put(GPU_RESOURCE, new Quantity(Integer.toString(k.gpusPerJob())));
        }
        k.cpuRequest().ifPresent(c -> requests.put("cpu", new Quantity(c)));
        k.memoryRequest().ifPresent(m -> {
            requests.put("memory", new Quantity(m));
            limits.put("memory", new Quantity(m));
        });

        return new JobBuilder()
                .withNewMetadata().withName(KubernetesSettings.jobName(id)).withNamespace(k.namespace())
                .withLabels(labels).endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withTtlSecondsAfterFinished(k.ttlSecondsAfterFinished().orElse(null))
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withServiceAccountName(k.serviceAccount().orElse(null))
                .withNodeSelector(gpu ? k.nodeSelector() : Map.of())
                .withTolerations(gpu ? tolerations(k.tolerations()) : List.of())
                .addNewContainer()
                .withName("train")
                .withImage(k.image())
                .withCommand(k.command())
                .withArgs(args.commandLine())
                .withNewResources().withLimits(limits).withRequests(requests).endResources()
                .addNewVolumeMount().withName(VOLUME).withMountPath(k.modelStoreMount()).endVolumeMount()
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .endContainer()
                .addNewVolume().withName(VOLUME).withNewPersistentVolumeClaim().withClaimName(k.modelStoreClaim())
                .endPersistentVolumeClaim().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** Parses {@code key=value:Effect}, {@code key:Effect} and {@code key=value:Effect:seconds}. */
    static List<Toleration> tolerations(List<String> specs) {
        List<Toleration> out = new ArrayList<>();
        for (String spec : specs) {
            String[] parts = spec.split(":");
            if (parts.length < 2 || parts.length > 3 || parts[0].isBlank()) {
                throw new IllegalArgumentException("distillab.kubernetes.tolerations: '" + spec
                        + "' is not key=value:Effect, key:Effect or key=value:Effect:seconds");
            }
            TolerationBuilder t = new TolerationBuilder().withEffect(parts[1]);
            int eq = parts[0].indexOf('=');
            if (eq < 0) {
                t.withKey(parts[0]).withOperator("Exists");
            } else {
                t.withKey(parts[0].substring(0, eq)).withOperator("Equal").withValue(parts[0].substring(eq + 1));
            }
            if (parts.length == 3) {
                t.withTolerationSeconds(Long.parseLong(parts[2]));
            }
            out.add(t.build());
        }
        return out;
    }
}
