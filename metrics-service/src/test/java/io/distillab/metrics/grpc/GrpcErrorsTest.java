package io.distillab.metrics.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.service.support.paging.InvalidParameterException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/** How failures reach a gRPC client: the field of a bad page, never an unexpected exception's text. */
class GrpcErrorsTest {

    @Test
    void anUnexpectedExceptionIsInternalWithAReferenceOnly() {
        StatusRuntimeException s = (StatusRuntimeException) GrpcErrors.toStatus(
                new IllegalStateException("pool exhausted on db-7.internal:5432"));
        assertEquals(Status.Code.INTERNAL, s.getStatus().getCode());
        String description = s.getStatus().getDescription();
        assertTrue(description.matches("internal error, reference [0-9a-f]{12} \\(the service's log has the details\\)"),
                description);
        assertFalse(description.contains("db-7") || description.contains("IllegalStateException"), description);
        assertNull(s.getStatus().getCause(), "a cause would be for the server only, but keep none at all");
    }

    @Test
    void anIllegalArgumentFromInsideIsInternalAsOverRest() {
        StatusRuntimeException s = (StatusRuntimeException) GrpcErrors.toStatus(
                new IllegalArgumentException("row 17 of matrix /srv/cache/ags.bin has 3 columns"));
        assertEquals(Status.Code.INTERNAL, s.getStatus().getCode());
        assertFalse(s.getStatus().getDescription().contains("/srv"), s.getStatus().getDescription());
    }

    @Test
    void anUnreachableDatabaseIsUnavailable() {
        StatusRuntimeException s = (StatusRuntimeException) GrpcErrors.toStatus(new jakarta.persistence.PersistenceException(
                "could not prepare statement", new java.sql.SQLException("Connection refused", "08001")));
        assertEquals(Status.Code.UNAVAILABLE, s.getStatus().getCode());
    }

    @Test
    void aPageOutOfRangeNamesItsField() {
        StatusRuntimeException s = (StatusRuntimeException) GrpcErrors.toStatus(
                new InvalidParameterException("size", "must be between 1 and 500"));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getStatus().getCode());
        assertEquals("size", s.getTrailers().get(GrpcErrors.FIELD));
        assertEquals("size: must be between 1 and 500", s.getStatus().getDescription());
    }
}
