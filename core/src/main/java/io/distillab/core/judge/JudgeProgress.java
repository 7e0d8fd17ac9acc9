package io.distillab.core.judge;

/** How far the judge's part of an analysis has come: phases, each with a count of steps. */
public interface JudgeProgress {
    /** Reports nothing. */
    JudgeProgress NONE = new JudgeProgress() {
        @Override
        public void phase(String name, int total) {
        }

        @Override
        public void advance(int done) {
        }
    };

    /** Starts a phase ("rps-stages", "rps-scoring" ...) of {@code total} steps. */
    void phase(String name, int total);

    /** {@code done} steps of the current phase are done (may be called from any thread). */
    void advance(int done);
}
