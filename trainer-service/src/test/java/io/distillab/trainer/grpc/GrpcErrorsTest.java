package io.distillab.trainer.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.service.support.paging.InvalidParameterException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/** How failures reach a gRPC client; an unexpected exception as a reference into the log, never its text. */
class GrpcErrorsTest {

    @Test
    void anUnexpectedExceptionIsInternalWithAReferenceOnly() {
        StatusRuntimeException s = (StatusRuntimeException) GrpcErrors.toStatus(
                new NullPointerException("Cannot invoke \"TrainingJob.status()\" because \"job\" is null"));
        assertEquals(Status.Code.INTERNAL, s.getStatus().getCode());
        String description = s.getStatus().getDescription();
        assertTrue(description.matches("internal error, reference [0-9a-f]{12} \\(the service's log has the details\\)"),
                description);
        assertFalse(description.contains("TrainingJob") || description.contains("NullPointerException"), description);
    }

    @Test
    void aPageOutOfRangeIsInvalidArgumentNamingIt() {
        StatusRuntimeException s = (StatusRuntimeException) GrpcErrors.toStatus(
                new InvalidParameterException("size", "must be between 1 and 500"));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getStatus().getCode());
        assertEquals("size: must be between 1 and 500", s.getStatus().getDescription());
        assertEquals("size", s.getTrailers().get(GrpcErrors.FIELD));
    }
}
