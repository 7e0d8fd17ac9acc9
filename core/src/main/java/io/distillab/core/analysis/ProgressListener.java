package io.distillab.core.analysis;

/** Told how far long work has come (called from worker threads). */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total) -> { };

    void progress(int done, int total);
}
