package io.distillab.trainer.job;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A job's progress as a stream of events, for server-sent events and the gRPC stream: every step's
 * metrics line in order, each evaluation of the held-out rows after the step it follows, and the
 * status whenever it changes; the stream ends after the job does. The job may run on any replica,
 * so the stream follows the database (one indexed query per job every {@code distillab.events.poll})
 * and the job's eval.jsonl on the model store, not this replica's workers.
 */
@ApplicationScoped
public class JobEvents {

    /**
     * A step ({@code type} "step", {@code id} the step, {@code data} its metrics line), an evaluation
     * ("eval", the step it follows, its eval.jsonl line) or a status ("status").
     */
    public record Event(String type, long id, String data) {
    }

    private final JobService jobs;
    private final long pollMillis;
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "job-events");
        t.setDaemon(true);
        return t;
    });

    JobEvents(JobService jobs, @ConfigProperty(name = "distillab.events.poll", defaultValue = "250ms")
              java.time.Duration poll) {
        this.jobs = jobs;
        this.pollMillis = poll.toMillis();
    }

    void onStop(@Observes ShutdownEvent e) {
        timer.shutdownNow();
    }

    /**
     * The events of job {@code id} after step {@code afterStep} (0: from the first step).
     *
     * @throws io.distillab.service.support.problem.ProblemException 404 when there is no such job
     */
    public Multi<Event> follow(long id, long afterStep) {
        jobs.get(id);
        return Multi.createFrom().emitter(emitter -> {
            AtomicLong last = new AtomicLong(afterStep);
            AtomicLong lastEval = new AtomicLong(afterStep == 0 ? -1 : afterStep);
            AtomicReference<String> lastStatus = new AtomicReference<>();
            AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
            task.set(timer.scheduleWithFixedDelay(() -> {
                try {
                    Optional<String[]> status = jobs.status(id);
                    if (status.isEmpty()) {
                        emitter.emit(new Event("status", last.get(), "{\"status\":\"deleted\"}"));
                        emitter.complete();
                        return;
                    }
                    // steps first: a finished job's last steps reach the client before its final status
                    List<String> steps = jobs.steps(id, last.get());
                    for (String line : steps) {
                        long step = StepRecord.parse(line).step();
                        emitter.emit(new Event("step", step, line));
                        last.set(step);
                    }
                    for (String line : jobs.evaluations(id)) {
                        var e = io.distillab.training.train.EvalMetrics.parse(line);
                        if (e != null && e.step() > lastEval.get() && e.step() <= last.get()) {
                            emitter.emit(new Event("eval", e.step(), line));
                            lastEval.set(e.step());
                        }
                    }
                    String s = status.get()[0];
                    if (!s.equals(lastStatus.get())) {
                        lastStatus.set(s);
                        var o = JobService.JSON.createObjectNode().put("status", s)
                                .put("step", Long.parseLong(status.get()[1]));
                        if (status.get()[2] != null) {
                            o.put("error", status.get()[2]);
                        }
                        emitter.emit(new Event("status", last.get(), o.toString()));
                    }
                    if (s.equals("succeeded") || s.equals("failed") || s.equals("cancelled")) {
                        emitter.complete();
                    }
                } catch (RuntimeException e) {
                    emitter.fail(e);
                }
            }, 0, pollMillis, TimeUnit.MILLISECONDS));
            emitter.onTermination(() -> {
                ScheduledFuture<?> f = task.get();
                if (f != null) {
                    f.cancel(false);
                }
            });
        });
    }
}
