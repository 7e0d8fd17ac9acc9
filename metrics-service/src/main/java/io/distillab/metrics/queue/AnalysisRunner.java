package io.distillab.metrics.queue;

/** Computes one analysis; the queue and its workers know nothing else about analyses. */
@FunctionalInterface
public interface AnalysisRunner {

    /** The outcome: the result JSON and the HTML report page. */
    record Outcome(String resultJson, String reportHtml) {
    }

    /**
     * @throws AnalysisFailedException when the analysis cannot be computed (the reason is shown to users)
     * @throws LeaseLostException      when progress reporting found the lease gone
     */
    Outcome run(Job job, Progress progress) throws Exception;
}
