package io.distillab.metrics.queue;

import io.distillab.core.judge.JudgeProgress;

/**
 * How far a running analysis has come: phases ("loading", "pairs", "rps" ...), each with a count
 * of steps; {@code advance} may be called from any thread.
 */
public interface Progress extends JudgeProgress {
}
