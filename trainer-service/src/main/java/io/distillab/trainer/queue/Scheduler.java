package io.distillab.trainer.queue;

import io.agroal.api.AgroalDataSource;
import io.distillab.trainer.engine.LocalJobRunner;
import io.distillab.trainer.engine.TrainingEngine;
import io.distillab.trainer.gpu.GpuInventory;
import io.distillab.trainer.kubernetes.KubernetesJobRunner;
import io.distillab.service.support.queue.QueueWorkers;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.MemorySize;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * This replica's workers, one per slot: one per GPU and {@code distillab.scheduler.cpu-jobs} CPU
 * slots, or in Kubernetes mode {@code distillab.kubernetes.max-jobs} slots whose jobs run as
 * Kubernetes Jobs. Started with the application, stopped gracefully with it (running jobs are
 * handed back to the queue after a checkpoint).
 */
@ApplicationScoped
public class Scheduler {
    private static final Logger LOG = Logger.getLogger(Scheduler.class);

    private final JobQueue queue;
    private final GpuInventory gpus;
    private final Instance<LocalJobRunner> local;
    private final Instance<KubernetesJobRunner> kubernetes;
    private final boolean enabled;
    private final boolean kubernetesMode;
    private final int cpuJobs;
    private final int kubernetesJobs;
    private final Optional<MemorySize> cpuMemory;
    private final Optional<MemorySize> kubernetesGpuMemory;
    private final Duration heartbeat;
    private final Duration poll;
    /** Names this replica in lease_owner. */
    private final String replica;
    private final List<JobWorker> workers = new ArrayList<>();
    private int generation;

    Scheduler(AgroalDataSource dataSource, GpuInventory gpus, Instance<LocalJobRunner> local,
              Instance<KubernetesJobRunner> kubernetes,
              @ConfigProperty(name = "distillab.scheduler.enabled", defaultValue = "true") boolean enabled,
              @ConfigProperty(name = "distillab.kubernetes.enabled", defaultValue = "false") boolean kubernetesMode,
              @ConfigProperty(name = "distillab.scheduler.cpu-jobs", defaultValue = "1") int cpuJobs,
              @ConfigProperty(name = "distillab.kubernetes.max-jobs", defaultValue = "4") int kubernetesJobs,
              @ConfigProperty(name = "distillab.scheduler.cpu-memory") Optional<MemorySize> cpuMemory,
              @ConfigProperty(name = "distillab.kubernetes.gpu-memory") Optional<MemorySize> kubernetesGpuMemory,
              @ConfigProperty(name = "distillab.scheduler.lease", defaultValue = "60s") Duration lease,
              @ConfigProperty(name = "distillab.scheduler.heartbeat", defaultValue = "10s") Duration heartbeat,
              @ConfigProperty(name = "distillab.scheduler.poll", defaultValue = "2s") Duration poll,
              @ConfigProperty(name = "distillab.scheduler.max-attempts", defaultValue = "5") int maxAttempts) {
        QueueWorkers.requireHeartbeatShorterThanLease("distillab.scheduler", heartbeat, lease);
        if (cpuJobs < 0) {
            throw new IllegalArgumentException("distillab.scheduler.cpu-jobs must be 0 or more, not " + cpuJobs);
        }
        this.queue = new JobQueue(dataSource, lease, maxAttempts);
        this.gpus = gpus;
        this.local = local;
        this.kubernetes = kubernetes;
        this.enabled = enabled;
        this.kubernetesMode = kubernetesMode;
        this.cpuJobs = cpuJobs;
        this.kubernetesJobs = kubernetesJobs;
        this.cpuMemory = cpuMemory;
        this.kubernetesGpuMemory = kubernetesGpuMemory;
        this.heartbeat = heartbeat;
        this.poll = poll;
        this.replica = QueueWorkers.replicaName();
    }

    void onStart(@Observes StartupEvent event) {
        if (enabled) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    public JobQueue queue() {
        return queue;
    }

    public GpuInventory gpus() {
        return gpus;
    }

    public boolean kubernetesMode() {
        return kubernetesMode;
    }

    /** This replica's slots, in the order workers are started: GPUs first. */
    public List<Slot> slots() {
        List<Slot> slots = new ArrayList<>();
        if (kubernetesMode) {
            for (int i = 0; i < kubernetesJobs; i++) {
                slots.add(new Slot(Slot.Kind.KUBERNETES, i, false));
            }
            return slots;
        }
        for (int i = 0; i < gpus.count(); i++) {
            slots.add(new Slot(Slot.Kind.GPU, i, true));
        }
        for (int i = 0; i < cpuJobs; i++) {
            slots.add(new Slot(Slot.Kind.CPU, i, gpus.count() > 0));
        }
        return slots;
    }

    /**
     * Whether a job on {@code device} can ever run here: a GPU job needs a GPU on this replica, or
     * Kubernetes mode (whose pods go to the GPU node pool).
     */
    public Optional<String> refusal(String device) {
        if (device.equals("cuda") && !kubernetesMode && gpus.count() == 0) {
            return Optional.of("this replica has no GPU (" + gpus.reason() + ") and Kubernetes mode is off; "
                    + "use device cpu or auto");
        }
        if (device.equals("cpu") && !kubernetesMode && cpuJobs == 0) {
            return Optional.of("this replica runs no CPU jobs (distillab.scheduler.cpu-jobs=0)");
        }
        return Optional.empty();
    }

    /** The memory a job on {@code device} may use: the smallest GPU's, or a CPU slot's share of the heap. */
    public long memoryBudget(String device) {
        boolean gpu = device.equals("cuda") || device.equals("auto") && (gpus.count() > 0 || kubernetesMode);
        if (gpu && kubernetesMode) {
            return kubernetesGpuMemory.map(MemorySize::asLongValue).orElse(Long.MAX_VALUE);
        }
        if (gpu && gpus.count() > 0) {
            return gpus.gpus().stream().mapToLong(GpuInventory.Gpu::totalMemoryBytes).min().orElseThrow();
        }
        return cpuMemory.map(MemorySize::asLongValue).orElse(Runtime.getRuntime().maxMemory() / Math.max(1, cpuJobs));
    }

    /** Where a job runs on {@code slot}: its GPU, its CPU threads, its memory. */
    public TrainingEngine.Placement placement(Slot slot, Integer threads) {
        int cores = Runtime.getRuntime().availableProcessors();
        int share = Math.max(1, cores / Math.max(1, slots().size()));
        int t = threads != null ? threads : share;
        return slot.kind() == Slot.Kind.GPU
                ? new TrainingEngine.Placement(slot.index(), t, gpus.gpus().get(slot.index()).totalMemoryBytes())
                : new TrainingEngine.Placement(-1, t, memoryBudget("cpu"));
    }

    /** A worker outside the pool on the same queue (another "replica"; the queue tests use it). */
    public JobWorker newWorker(String owner, Slot slot, JobRunner runner) {
        return new JobWorker(owner, slot, queue, runner, heartbeat, poll);
    }

    /** The runner of this replica's mode. */
    public JobRunner runner() {
        return kubernetesMode ? kubernetes.get() : local.get();
    }

    public synchronized void start() {
        if (!workers.isEmpty()) {
            return;
        }
        generation++;
        JobRunner runner = runner();
        for (Slot slot : slots()) {
            JobWorker w = newWorker(replica + "-g" + generation + "-" + slot.kind().name().toLowerCase() + slot.index(),
                    slot, runner);
            workers.add(w);
            w.start();
        }
        LOG.infof("Started %d worker(s) as %s: %s", workers.size(), replica, slots());
    }

    /** Stops the workers gracefully, handing running jobs back to the queue. */
    public synchronized void stop() {
        QueueWorkers.stopAll(workers, Duration.ofSeconds(30));
        workers.clear();
    }

    /** Wakes idle workers: a job was just queued. */
    public synchronized void wake() {
        workers.forEach(JobWorker::wake);
    }

    public synchronized List<JobWorker> workers() {
        return List.copyOf(workers);
    }

    public boolean enabled() {
        return enabled;
    }
}
