package io.distillab.judge.judgment;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One judgment, of any kind: the answer (a stage, RPS scores or an edge verdict) when
 * {@code status} is ok, the reason there is none otherwise, and always the judge that made it.
 *
 * @param cached true when no judge was asked for this request: the answer was stored already,
 *               or an identical request in flight asked for it
 */
@Schema(description = "A judgment: status, the answer when ok, provenance, and whether it came from the cache")
public record Judgment<A>(
        @Schema(required = true, enumeration = {"ok", "failed", "error"},
                description = "ok: answered. failed: no valid answer even after one retry with the parse error "
                        + "(or the offline rule had nothing to decide); recorded, not asked again. error: the judge "
                        + "could not be asked (single endpoints answer 503 instead); not cached, kept in provider_error")
        JudgmentStatus status,
        @Schema(description = "The answer; set when status is ok") A answer,
        @Schema(description = "Why there is no answer; set when status is failed or error") String error,
        @Schema(description = "What went wrong, set with error. failed: malformed_answer, no_decision. error: "
                + "rate_limited, server_error, timeout, unreachable, malformed_response, refused, circuit_open, "
                + "overloaded, claim_wait_timeout") ErrorKind errorKind,
        @Schema(required = true) JudgeInfo judge,
        @Schema(required = true, description = "SHA-256 of the canonical JSON input (the request without 'judge')")
        String inputHash,
        @Schema(required = true, description = "True when no judge was asked for this request") boolean cached) {

    /** This judgment, or a 503 when the judge could not be asked (single endpoints). */
    public Judgment<A> orUnavailable() {
        if (status == JudgmentStatus.ERROR) {
            throw new JudgeUnavailableException(errorKind, error, null);
        }
        return this;
    }

    Judgment<A> shared() {
        return new Judgment<>(status, answer, error, errorKind, judge, inputHash, true);
    }
}
