package io.distillab.training.train;

import java.nio.file.Path;

/** What a training run reports as it goes (the CLI prints it, the service stores it). */
public interface TrainingListener {
    /** After every step, once its metrics line is written. */
    void onStep(StepMetrics m);

    /** After an evaluation of the held-out rows, once its eval.jsonl line is written. */
    default void onEval(EvalMetrics e) {
    }

    /** After a checkpoint folder is complete (renamed into place). */
    void onCheckpoint(long step, Path dir);

    /** A line worth telling the user (device choice, resume point, ...). */
    void onMessage(String line);

    /** A listener that ignores everything. */
    static TrainingListener silent() {
        return new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
            }

            @Override
            public void onCheckpoint(long step, Path dir) {
            }

            @Override
            public void onMessage(String line) {
            }
        };
    }
}
