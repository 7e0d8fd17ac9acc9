package io.distillab.metrics.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.metrics.judge.JudgeUnavailableException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** What users read of a failed analysis: a stable code, and never an exception's text. */
class AnalysisFailureTest {

    @Test
    void expectedFailuresKeepTheirCodeAndMessage() {
        AnalysisWorker.Failure f = AnalysisWorker.Failure.of(
                new AnalysisFailedException("no trajectories of the chosen models in dataset 7"), 1);
        assertEquals("invalid-input", f.code());
        assertEquals("no trajectories of the chosen models in dataset 7", f.message());
        AnalysisWorker.Failure j = AnalysisWorker.Failure.of(new JudgeUnavailableException(
                "judge-service at http://judge:8080 is unreachable", new java.net.ConnectException("refused")), 2);
        assertEquals("judge-unavailable", j.code());
        assertEquals("judge-service at http://judge:8080 is unreachable", j.message());
    }

    @Test
    void anythingElseIsAnInternalErrorWithAReferenceOnly() {
        AnalysisWorker.Failure f = AnalysisWorker.Failure.of(new IllegalStateException("index 3 out of bounds for "
                + "length 2", new SQLException("FATAL: password authentication failed for user \"metrics\"")), 3);
        assertEquals("internal", f.code());
        assertTrue(f.message().matches("internal error, reference [0-9a-f]{12} .*"), f.message());
        assertFalse(f.message().contains("IllegalState"), f.message());
        assertFalse(f.message().contains("index 3"), f.message());
        assertFalse(f.message().contains("password"), f.message());
        AnalysisWorker.Failure oom = AnalysisWorker.Failure.of(new OutOfMemoryError("Java heap space"), 4);
        assertEquals("internal", oom.code());
        assertFalse(oom.message().contains("heap"), oom.message());
    }
}
