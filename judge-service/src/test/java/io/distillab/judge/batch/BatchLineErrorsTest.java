package io.distillab.judge.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** What a batch line says when the service itself fails on an item. */
class BatchLineErrorsTest {

    /**
     * A batch has answered 200 before its items meet a stopped PostgreSQL: such an item is a line
     * saying the database is away (send it again), not an internal error to report.
     */
    @Test
    void anItemThatMeetsAStoppedDatabaseSaysSoAndNamesNothingInternal() {
        BatchLine<Object> line = BatchRunner.judgeOne(3, "item", item -> {
            throw new IllegalStateException("claim failed",
                    new SQLException("Connection to localhost:41395 refused", "08001"));
        });
        assertEquals(3, line.index());
        assertNull(line.judgment());
        assertEquals(BatchRunner.DATABASE_UNAVAILABLE, line.error());
        assertFalse(line.error().contains("localhost"));
    }

    @Test
    void anyOtherFailureIsAnInternalErrorWithAReferenceOnly() {
        BatchLine<Object> line = BatchRunner.judgeOne(0, "item", (String item) -> {
            throw new IllegalStateException("secret internals");
        });
        assertTrue(line.error().startsWith("internal error, reference "), line.error());
        assertFalse(line.error().contains("secret"));
    }
}
