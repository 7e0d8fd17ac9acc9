package io.distillab.metrics.queue;

/** How far a running analysis has come: phases, each with a count of steps. */
public interface Progress {
    /** Starts a phase ("loading", "pairs", "rps" ...) of {@code total} steps. */
    void phase(String name, int total);

    /** {@code done} steps of the current phase are done (may be called from any thread). */
    void advance(int done);
}
