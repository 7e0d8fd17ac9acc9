package io.distillab.service.support.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.quarkus.security.AuthenticationFailedException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The statuses; that Quarkus's gRPC security uses this provider is shown by the services' DatabaseOutageIT. */
class GrpcAuthFailuresTest {
    private final GrpcAuthFailures failures = new GrpcAuthFailures();

    @Test
    void anUnreadableKeyStoreIsTheDatabasesUnavailabilityNotAnUnknownKey() {
        var e = new AuthenticationFailedException("the key store could not be read",
                new SQLException("Connection to localhost:5432 refused", "08001"));
        assertEquals(Status.Code.UNAVAILABLE, failures.transformToStatusException(e).getStatus().getCode());
        assertTrue(failures.handlesException(e));
    }

    @Test
    void anotherDatabaseErrorIsInternal() {
        var e = new AuthenticationFailedException("the key store could not be read",
                new SQLException("relation \"api_keys\" does not exist", "42P01"));
        assertEquals(Status.Code.INTERNAL, failures.transformToStatusException(e).getStatus().getCode());
    }

    @Test
    void anUnknownKeyStaysUnauthenticatedAndAForbiddenCallPermissionDenied() {
        assertEquals(Status.Code.UNAUTHENTICATED, failures.transformToStatusException(
                new AuthenticationFailedException("unknown API key")).getStatus().getCode());
        assertEquals(Status.Code.PERMISSION_DENIED, failures.transformToStatusException(
                new SecurityException("role")).getStatus().getCode());
    }
}
