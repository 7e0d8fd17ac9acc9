package io.distillab.trainer.job;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A job as the API shows it.
 *
 * @param step    the last step whose metrics were recorded
 * @param latest  that step's metrics line (null before the first step)
 * @param checkpointStep the newest complete checkpoint (a resumed run starts there)
 */
@Schema(name = "Job")
@io.quarkus.runtime.annotations.RegisterForReflection
public record JobView(long id, String name, String status, String device, long step, long totalSteps,
                      Long checkpointStep, Double finalLoss, String error, int attempts, boolean cancelRequested,
                      String placement, OffsetDateTime createdAt, OffsetDateTime startedAt,
                      OffsetDateTime finishedAt, JsonNode parameters, JsonNode latest, Links links) {

    /** Where the job's other resources are. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record Links(String self, String events, String loss, String lossSvg, String report, String student,
                        String page) {
        static Links of(long id) {
            String base = "/api/v1/jobs/" + id;
            return new Links(base, base + "/events", base + "/loss", base + "/loss.svg", base + "/report",
                    base + "/student", base + "/page");
        }
    }

    /** One status change. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record Transition(String from, String to, String owner, String reason, OffsetDateTime at) {
    }

    /**
     * One run of the job: a worker's claim, until the run ended or its lease was found expired.
     *
     * @param attempt  the job's attempts count with this claim (a run handed back by a stopping replica
     *                 does not count, so the run after it has the same number)
     * @param owner    the worker (replica and slot)
     * @param fromStep the checkpoint it resumed after (0: from the start)
     * @param lastStep the job's last recorded step when the run ended (null while it runs)
     * @param outcome  succeeded, failed, cancelled, handed back, lease expired (null while it runs)
     */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record Attempt(int attempt, String owner, long fromStep, OffsetDateTime claimedAt, OffsetDateTime endedAt,
                          Long lastStep, String outcome) {
    }

    /** A page of jobs, newest first. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record Page(List<JobView> items, int page, int size, long total) {
    }

    static JobView of(TrainingJob j, JsonNode parameters, JsonNode latest) {
        return new JobView(j.id, j.name, j.status, j.device, j.step, j.totalSteps, j.checkpointStep, j.finalLoss,
                j.error, j.attempts, j.cancelRequested, j.placement, j.createdAt, j.startedAt, j.finishedAt,
                parameters, latest, Links.of(j.id));
    }
}
