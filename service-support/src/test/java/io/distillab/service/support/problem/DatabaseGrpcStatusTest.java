package io.distillab.service.support.problem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.persistence.PersistenceException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class DatabaseGrpcStatusTest {

    @Test
    void anUnreachableDatabaseIsUnavailableWithRetryAfterAndNoDriverText() {
        StatusRuntimeException e = DatabaseGrpcStatus.of(new PersistenceException("could not prepare statement",
                new SQLException("Connection to localhost:5432 refused", "08001"))).orElseThrow();
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertEquals("5", e.getTrailers().get(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER)));
        String description = e.getStatus().getDescription();
        assertTrue(description.startsWith("Database unavailable: "), description);
        assertFalse(description.contains("localhost") || description.contains("5432") || description.contains("SQL"),
                description);
    }

    @Test
    void otherErrorsAreLeftToTheCaller() {
        assertTrue(DatabaseGrpcStatus.of(new SQLException("duplicate key value", "23505")).isEmpty());
        assertTrue(DatabaseGrpcStatus.of(new IllegalStateException("a bug")).isEmpty());
    }
}
