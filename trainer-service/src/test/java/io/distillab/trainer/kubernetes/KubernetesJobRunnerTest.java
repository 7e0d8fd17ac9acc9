package io.distillab.trainer.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.trainer.job.JobParameters;
import io.distillab.trainer.job.StepRecord;
import io.distillab.trainer.job.TrainArguments;
import io.distillab.trainer.queue.ClaimedJob;
import io.distillab.trainer.queue.JobRunner;
import io.distillab.trainer.queue.Slot;
import io.distillab.trainer.queue.TrainingFailedException;
import io.distillab.trainer.store.ModelStore;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kubernetes mode against fabric8's mock API server (CRUD mode): the Job's spec field by field, and
 * the runner creating, adopting, watching, retrying and deleting Jobs while the test plays the
 * training pod (writing metrics.jsonl and checkpoints to the store, setting the Job's status).
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesJobRunnerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NS = "distillab";

    KubernetesClient client;

    @TempDir
    Path storeRoot;

    private ModelStore store;
    private KubernetesSettings settings;

    @BeforeEach
    void setUp() throws Exception {
        store = new ModelStore(storeRoot);
        settings = new KubernetesSettings(NS, "registry.example/distillab/trainer-service:1.2", "distillab", 1,
                Map.of("pool", "gpu"), List.of("nvidia.com/gpu=present:NoSchedule", "spot:NoExecute:300"),
                "distillab-model-store", "/models", Optional.of("trainer"), Optional.of("8"), Optional.of("64Gi"),
                Optional.of(3600), 1);
        Files.createDirectories(store.model("tiny"));
        Files.writeString(store.model("tiny").resolve("config.json"), "{\"model_type\": \"gpt2\"}");
    }

    private static JobParameters params(String device) {
        return new JobParameters(null, null, null, null, "gpt2", 64, null, null, null, null, "tiny", null, null, null,
                "sft", null, null, null, null, null, null, null, null, null, 10L, 4, 2, 3e-4, null, null, null,
                "shuffle", 7L, 5L, device, 8, 0.1, null, 5L, true);
    }

    @Test
    void theJobSpecFieldByField() {
        TrainArguments args = TrainArguments.of(store, store.job(7), params("cuda"), "small.jsonl", "chat-jsonl", true)
                .on(store, new ModelStore(Path.of("/models")));
        Job job = TrainJobManifest.build(settings, 7, args);

        assertEquals("distillab-train-7", job.getMetadata().getName());
        assertEquals(NS, job.getMetadata().getNamespace());
        Map<String, String> labels = Map.of("app.kubernetes.io/name", "distillab-trainer",
                "app.kubernetes.io/component", "training-job", "distillab.io/job-id", "7");
        assertEquals(labels, job.getMetadata().getLabels());
        assertEquals(0, job.getSpec().getBackoffLimit());
        assertEquals(3600, job.getSpec().getTtlSecondsAfterFinished());
        assertEquals(labels, job.getSpec().getTemplate().getMetadata().getLabels());

        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertEquals("Never", pod.getRestartPolicy());
        assertEquals("trainer", pod.getServiceAccountName());
        assertEquals(Map.of("pool", "gpu"), pod.getNodeSelector());
        assertEquals(2, pod.getTolerations().size());
        Toleration gpu = pod.getTolerations().get(0);
        assertEquals(List.of("nvidia.com/gpu", "Equal", "present", "NoSchedule"),
                List.of(gpu.getKey(), gpu.getOperator(), gpu.getValue(), gpu.getEffect()));
        assertNull(gpu.getTolerationSeconds());
        Toleration spot = pod.getTolerations().get(1);
        assertEquals(List.of("spot", "Exists", "NoExecute"), List.of(spot.getKey(), spot.getOperator(), spot.getEffect()));
        assertNull(spot.getValue());
        assertEquals(300L, spot.getTolerationSeconds());

        assertEquals(1, pod.getContainers().size());
        Container c = pod.getContainers().get(0);
        assertEquals("train", c.getName());
        assertEquals("registry.example/distillab/trainer-service:1.2", c.getImage());
        assertEquals(List.of("distillab"), c.getCommand());
        assertEquals(List.of("train", "--student", "/models/models/tiny", "--data", "/models/jobs/7/data/small.jsonl",
                "--format", "chat-jsonl", "--tokenizer", "gpt2", "--context", "64", "--preset", "sft", "--steps", "10",
                "--batch-size", "4", "--grad-accum", "2", "--lr", "3.0e-4", "--order", "shuffle", "--seed", "7",
                "--checkpoint-every", "5", "--eval-fraction", "0.1", "--eval-every", "5", "--keep-best", "--device", "cuda",
                "--threads", "8", "--out", "/models/jobs/7/out", "--resume"), c.getArgs());
        assertEquals(Map.of("nvidia.com/gpu", new Quantity("1"), "memory", new Quantity("64Gi")),
                c.getResources().getLimits());
        assertEquals(Map.of("cpu", new Quantity("8"), "memory", new Quantity("64Gi")), c.getResources().getRequests());
        assertEquals(1, c.getVolumeMounts().size());
        assertEquals("model-store", c.getVolumeMounts().get(0).getName());
        assertEquals("/models", c.getVolumeMounts().get(0).getMountPath());
        assertEquals(1, pod.getVolumes().size());
        assertEquals("model-store", pod.getVolumes().get(0).getName());
        assertEquals("distillab-model-store", pod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName());

        // a CPU job takes no GPU and is not bound to the GPU pool
        Job cpu = TrainJobManifest.build(settings, 8, TrainArguments.of(store, store.job(8), params("cpu"),
                "small.jsonl", null, false));
        PodSpec cpuPod = cpu.getSpec().getTemplate().getSpec();
        assertEquals(Map.of("memory", new Quantity("64Gi")), cpuPod.getContainers().get(0).getResources().getLimits());
        assertTrue(cpuPod.getNodeSelector().isEmpty());
        assertTrue(cpuPod.getTolerations().isEmpty());
        assertTrue(!cpuPod.getContainers().get(0).getArgs().contains("--resume"));

        // the API server takes it as it is
        Job created = client.batch().v1().jobs().inNamespace(NS).resource(job).create();
        assertEquals(c.getArgs(), created.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
        assertEquals(pod.getTolerations(), created.getSpec().getTemplate().getSpec().getTolerations());
    }

    @Test
    void aBadTolerationIsRefusedNamingTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainJobManifest.tolerations(List.of("nvidia.com/gpu")));
        assertTrue(e.getMessage().startsWith("distillab.kubernetes.tolerations"), e.getMessage());
    }

    /** The runner on job 7 in a thread; the test plays Kubernetes and the pod. */
    private final class Run {
        final List<StepRecord> steps = new CopyOnWriteArrayList<>();
        final List<Long> checkpoints = new CopyOnWriteArrayList<>();
        final AtomicBoolean cancel = new AtomicBoolean();
        final CompletableFuture<JobRunner.Outcome> outcome = new CompletableFuture<>();

        Run(String device) throws Exception {
            Files.createDirectories(store.jobData(7));
            Files.writeString(store.jobData(7).resolve("small.jsonl"), "{}\n");
            ClaimedJob claimed = new ClaimedJob(7, JSON.writeValueAsString(params(device)), "small.jsonl", "chat-jsonl",
                    device, 10, 1, 0);
            KubernetesJobRunner runner = new KubernetesJobRunner(client, settings, store, Duration.ofMillis(50));
            Thread t = new Thread(() -> {
                try {
                    outcome.complete(runner.run(claimed, new Slot(Slot.Kind.KUBERNETES, 0, false), new JobRunner.Listener() {
                        @Override
                        public void placement(String where) {
                        }

                        @Override
                        public void step(StepRecord step) {
                            steps.add(step);
                        }

                        @Override
                        public void checkpoint(long step) {
                            checkpoints.add(step);
                        }
                    }, cancel::get));
                } catch (Throwable e) {
                    outcome.completeExceptionally(e);
                }
            });
            t.setDaemon(true);
            t.start();
        }

        Job awaitJob(String uid) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < end) {
                Job j = client.batch().v1().jobs().inNamespace(NS).withName("distillab-train-7").get();
                if (j != null && !j.getMetadata().getUid().equals(uid)) {
                    return j;
                }
                Thread.sleep(100);
            }
            throw new AssertionError("no Kubernetes Job appeared");
        }
    }

    private void pod(String line) throws Exception {
        Files.createDirectories(store.jobOut(7));
        Files.writeString(store.jobOut(7).resolve("metrics.jsonl"), line + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    private static String line(int step, double loss) {
        return "{\"step\": " + step + ", \"loss\": " + loss + ", \"kl\": 0.0, \"ce\": " + loss + ", \"lr\": 0.0003, "
                + "\"grad_norm\": 1.0, \"tokens\": 256, \"tokens_per_s\": 100.0, \"spans\": {}}";
    }

    private void status(Job job, boolean succeeded) {
        job.setStatus(succeeded ? new JobStatusBuilder().withSucceeded(1).build() : new JobStatusBuilder().withFailed(1).build());
        client.batch().v1().jobs().inNamespace(NS).resource(job).updateStatus();
    }

    private void terminatedPod(int exitCode, String reason) {
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("distillab-train-7-x")
                .addToLabels("job-name", "distillab-train-7").endMetadata()
                .withNewStatus().addNewContainerStatus().withName("train").withNewState().withNewTerminated()
                .withExitCode(exitCode).withReason(reason).withMessage("refused: --steps").endTerminated().endState()
                .endContainerStatus().endStatus().build()).create();
    }

    @Test
    void theRunnerCreatesTheJobFollowsItsStepsAndEndsWithIt() throws Exception {
        Run run = new Run("cuda");
        Job job = run.awaitJob("");
        assertTrue(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()
                .containsAll(List.of("--out", "/models/jobs/7/out")));
        pod(line(1, 3.0));
        pod(line(2, 2.5));
        Files.createDirectories(store.jobOut(7).resolve("checkpoint-2"));
        pod(line(3, 2.25));
        Thread.sleep(200);
        status(job, true);
        JobRunner.Outcome outcome = run.outcome.get(20, TimeUnit.SECONDS);
        assertEquals(false, outcome.cancelled());
        assertEquals(2.25, outcome.finalLoss(), 0.0);
        assertEquals(List.of(1L, 2L, 3L), run.steps.stream().map(StepRecord::step).toList());
        assertEquals(List.of(2L), run.checkpoints);
    }

    @Test
    void aJobCreatedByADeadReplicaIsAdoptedNotCreatedAgain() throws Exception {
        Job existing = client.batch().v1().jobs().inNamespace(NS).resource(TrainJobManifest.build(settings, 7,
                TrainArguments.of(store, store.job(7), params("cuda"), "small.jsonl", "chat-jsonl", false)
                        .on(store, new ModelStore(Path.of("/models"))))).create();
        pod(line(1, 3.0));
        Run run = new Run("cuda");
        Thread.sleep(300);
        Job watched = client.batch().v1().jobs().inNamespace(NS).withName("distillab-train-7").get();
        assertEquals(existing.getMetadata().getUid(), watched.getMetadata().getUid());
        status(watched, true);
        assertEquals(3.0, run.outcome.get(20, TimeUnit.SECONDS).finalLoss(), 0.0);
    }

    @Test
    void badInputFailsTheJobAndAnEvictedPodIsReplacedByOneThatResumes() throws Exception {
        Run run = new Run("cuda");
        Job first = run.awaitJob("");
        Files.createDirectories(store.jobOut(7).resolve("checkpoint-5"));
        terminatedPod(137, "OOMKilled");
        status(first, false);
        Job second = run.awaitJob(first.getMetadata().getUid());
        assertTrue(second.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().contains("--resume"));
        client.pods().inNamespace(NS).withName("distillab-train-7-x").delete();
        terminatedPod(2, "Error");
        status(second, false);
        Exception e = assertThrows(Exception.class, () -> run.outcome.get(20, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof TrainingFailedException, String.valueOf(e.getCause()));
        assertTrue(e.getCause().getMessage().contains("exit code 2"), e.getCause().getMessage());
    }

    @Test
    void cancellingDeletesTheKubernetesJob() throws Exception {
        Run run = new Run("cpu");
        run.awaitJob("");
        run.cancel.set(true);
        assertTrue(run.outcome.get(20, TimeUnit.SECONDS).cancelled());
        assertNull(client.batch().v1().jobs().inNamespace(NS).withName("distillab-train-7").get());
    }
}
