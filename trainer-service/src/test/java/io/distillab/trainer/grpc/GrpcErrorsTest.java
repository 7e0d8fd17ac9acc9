package io.distillab.trainer.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/** An unexpected exception reaches a gRPC client as a reference into the log, never its text. */
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
}
