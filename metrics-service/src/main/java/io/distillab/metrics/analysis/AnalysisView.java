package io.distillab.metrics.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** An analysis as {@code GET /api/v1/analyses/{id}} shows it. */
@Schema(description = "An analysis: its parameters, status, progress and timings")
public record AnalysisView(
        long id,
        long dataset,
        @Schema(enumeration = {"queued", "running", "done", "failed"}) String status,
        @Schema(description = "What a running analysis is doing: loading, validating, pairs, rps-stages, rps-scoring")
        String phase,
        Progress progress,
        @Schema(description = "Why it failed, a stable code", enumeration = {"invalid-input", "judge-unavailable",
                "given-up", "internal"}) String errorCode,
        @Schema(description = "Why it failed, for people; for internal errors a reference to quote") String error,
        @Schema(description = "How many times a worker claimed it (more than 1 when a worker died on it)") int attempts,
        JsonNode parameters,
        OffsetDateTime createdAt,
        OffsetDateTime startedAt,
        OffsetDateTime finishedAt,
        @Schema(description = "Seconds from the last start to the end (or to now while running)") Double seconds,
        Links links) {

    public record Progress(int done, int total) {
    }

    public record Links(String self, String result, String report) {
    }

    static AnalysisView of(Analysis a, JsonNode parameters) {
        Double seconds = null;
        if (a.startedAt != null) {
            OffsetDateTime end = a.finishedAt != null ? a.finishedAt : OffsetDateTime.now();
            seconds = Duration.between(a.startedAt, end).toMillis() / 1000.0;
        }
        String self = "/api/v1/analyses/" + a.id;
        return new AnalysisView(a.id, a.datasetId, a.status, a.phase, new Progress(a.progressDone, a.progressTotal),
                a.errorCode, a.error, a.attempts, parameters, a.createdAt, a.startedAt, a.finishedAt, seconds,
                new Links(self, self + "/result", self + "/report"));
    }
}
