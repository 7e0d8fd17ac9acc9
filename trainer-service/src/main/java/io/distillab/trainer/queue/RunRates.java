package io.distillab.trainer.queue;

import io.distillab.trainer.job.StepRecord;

/** Steps per second and tokens per second of the run a worker has now, for the meters. */
public final class RunRates {
    private long firstStepNanos;
    private long firstStep;
    private double stepsPerS;
    private double tokensPerS;

    synchronized void start() {
        firstStepNanos = 0;
        stepsPerS = 0;
        tokensPerS = 0;
    }

    synchronized void step(StepRecord s) {
        long now = System.nanoTime();
        if (firstStepNanos == 0) {
            firstStepNanos = now;
            firstStep = s.step();
        } else if (s.step() > firstStep) {
            stepsPerS = (s.step() - firstStep) / ((now - firstStepNanos) / 1e9);
        }
        tokensPerS = s.tokensPerS();
    }

    synchronized void stop() {
        start();
    }

    public synchronized double stepsPerS() {
        return stepsPerS;
    }

    public synchronized double tokensPerS() {
        return tokensPerS;
    }
}
