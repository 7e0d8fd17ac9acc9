package io.distillab.judge.judgment;

import io.distillab.judge.api.Violations;

/** What every single-judgment request has: an optional judge name and field validation. */
public interface JudgeRequest {

    /** The configured judge to ask; null for {@code distillab.judge.default-judge}. */
    String judge();

    /**
     * Adds this request's field errors to {@code violations}, field paths prefixed by
     * {@code path} ("" for a single request, {@code items[3].} inside a batch).
     */
    void validate(Violations violations, String path);
}
