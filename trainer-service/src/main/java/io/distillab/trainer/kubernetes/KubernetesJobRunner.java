package io.distillab.trainer.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.trainer.job.JobParameters;
import io.distillab.trainer.job.StepRecord;
import io.distillab.trainer.job.TrainArguments;
import io.distillab.trainer.queue.ClaimedJob;
import io.distillab.trainer.queue.JobRunner;
import io.distillab.trainer.queue.Slot;
import io.distillab.trainer.queue.TrainingFailedException;
import io.distillab.trainer.store.ModelStore;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Runs a job as a Kubernetes Job (Kubernetes mode): creates it through the fabric8 client, or
 * adopts the one a previous owner created (its replica died, the pod trained on), and watches it
 * until it ends. The pod writes metrics.jsonl and checkpoints to the model store volume, which this
 * replica mounts too: steps are read from there as they appear. A pod that fails for a reason other
 * than bad input (exit code 2), e.g. evicted or out of memory, is replaced by one that resumes from
 * the last checkpoint, up to {@code podRetries} times. Cancelling deletes the Kubernetes Job.
 */
public final class KubernetesJobRunner implements JobRunner {
    private static final Logger LOG = Logger.getLogger(KubernetesJobRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** distillab's exit code for bad input: retrying cannot help. */
    static final int BAD_INPUT = 2;

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final ModelStore store;
    private final ModelStore podStore;
    private final Duration poll;

    /**
     * @param store this replica's mount of the model store
     * @param poll  how often the Job's status and the metrics file are read
     */
    public KubernetesJobRunner(KubernetesClient client, KubernetesSettings settings, ModelStore store, Duration poll) {
        this.client = client;
        this.settings = settings;
        this.store = store;
        this.podStore = new ModelStore(Path.of(settings.modelStoreMount()));
        this.poll = poll;
    }

    @Override
    public Outcome run(ClaimedJob job, Slot slot, Listener listener, BooleanSupplier cancelled) throws Exception {
        JobParameters p = JSON.readValue(job.parameters(), JobParameters.class);
        String name = KubernetesSettings.jobName(job.id());
        MetricsTail tail = new MetricsTail(store.jobOut(job.id()).resolve("metrics.jsonl"));
        long checkpoint = store.lastCheckpoint(job.id()).orElse(0L);
        int retries = 0;
        Job k8sJob = jobs().withName(name).get();
        if (k8sJob == null) {
            k8sJob = create(job, p);
        } else {
            LOG.infof("Job %d: adopting Kubernetes Job %s", job.id(), name);
        }
        listener.placement("kubernetes job " + settings.namespace() + "/" + name);
        while (true) {
            tail.read(listener);
            long newest = store.lastCheckpoint(job.id()).orElse(0L);
            if (newest > checkpoint) {
                checkpoint = newest;
                listener.checkpoint(newest);
            }
            if (cancelled.getAsBoolean()) {
                jobs().withName(name).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
                return new Outcome(true, null);
            }
            JobStatus status = k8sJob == null ? null : k8sJob.getStatus();
            if (status != null && status.getSucceeded() != null && status.getSucceeded() > 0) {
                tail.read(listener);
                return new Outcome(false, tail.lastLoss());
            }
            if (k8sJob == null || status != null && status.getFailed() != null && status.getFailed() > 0) {
                Optional<ContainerStateTerminated> end = k8sJob == null ? Optional.empty() : termination(name);
                String why = k8sJob == null ? "its Kubernetes Job was deleted"
                        : end.map(t -> "exit code " + t.getExitCode() + (t.getReason() == null ? "" : " (" + t.getReason() + ")")
                        + (t.getMessage() == null ? "" : ": " + t.getMessage().strip())).orElse("its pod failed");
                if (end.isPresent() && end.get().getExitCode() != null && end.get().getExitCode() == BAD_INPUT) {
                    throw new TrainingFailedException("distillab train refused the job: " + why);
                }
                if (++retries > settings.podRetries()) {
                    throw new TrainingFailedException("the training pod failed " + retries + " times; last: " + why);
                }
                LOG.warnf("Job %d: %s; starting a pod that resumes from the last checkpoint (retry %d of %d)",
                        job.id(), why, retries, settings.podRetries());
                jobs().withName(name).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
                k8sJob = create(job, p);
            }
            Thread.sleep(poll.toMillis());
            k8sJob = jobs().withName(name).get();
        }
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<Job, io.fabric8.kubernetes.api.model.batch.v1.JobList,
            io.fabric8.kubernetes.client.dsl.ScalableResource<Job>> jobs() {
        return client.batch().v1().jobs().inNamespace(settings.namespace());
    }

    private Job create(ClaimedJob job, JobParameters p) {
        boolean resume = java.nio.file.Files.isDirectory(store.jobOut(job.id()));
        TrainArguments args = TrainArguments.of(store, store.job(job.id()), p, job.dataFile(), job.dataFormat(), resume)
                .on(store, podStore);
        Job manifest = TrainJobManifest.build(settings, job.id(), args);
        LOG.infof("Job %d: creating Kubernetes Job %s%s", job.id(), manifest.getMetadata().getName(),
                resume ? " (resuming from the last checkpoint)" : "");
        return jobs().resource(manifest).create();
    }

    /** How the training container of the Job's pod ended, if it has. */
    private Optional<ContainerStateTerminated> termination(String jobName) {
        for (Pod pod : client.pods().inNamespace(settings.namespace()).withLabel("job-name", jobName).list().getItems()) {
            if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
                continue;
            }
            for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
                if (c.getState() != null && c.getState().getTerminated() != null) {
                    return Optional.of(c.getState().getTerminated());
                }
            }
        }
        return Optional.empty();
    }

    /** Follows metrics.jsonl on the shared volume: complete lines only, from where it stopped. */
    static final class MetricsTail {
        private final Path file;
        private long offset;
        private Double lastLoss;

        MetricsTail(Path file) {
            this.file = file;
        }

        void read(Listener listener) throws IOException {
            if (!Files.exists(file)) {
                return;
            }
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                long length = f.length();
                if (length < offset) {
                    offset = 0; // rewritten by a resumed run: read it again (steps are upserted)
                }
                if (length == offset) {
                    return;
                }
                byte[] bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 8, length - offset)];
                f.seek(offset);
                f.readFully(bytes);
                int start = 0;
                for (int i = 0; i < bytes.length; i++) {
                    if (bytes[i] == '\n') {
                        String line = new String(bytes, start, i - start, StandardCharsets.UTF_8).strip();
                        if (!line.isEmpty()) {
                            StepRecord step = StepRecord.parse(line);
                            lastLoss = step.loss();
                            listener.step(step);
                        }
                        start = i + 1;
                    }
                }
                offset += start;
            }
        }

        Double lastLoss() {
            return lastLoss;
        }
    }
}
