package io.distillab.service.support.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class UnexpectedErrorMapperTest {
    private final UnexpectedErrorMapper mapper = new UnexpectedErrorMapper();

    /**
     * The case judge-service's claims met: the pool's SQLException wrapped by a transaction's
     * exception (here a plain RuntimeException standing for QuarkusTransactionException, which
     * service-support does not depend on), then by another thread's CompletionException.
     */
    @Test
    void anUnreachableDatabaseInAnyWrappingIsA503NotAnInternalError() {
        SQLException refused = new SQLException("Connection to localhost:5432 refused", "08001");
        Response r = mapper.unexpected(new CompletionException(new RuntimeException("transaction failed", refused)));
        assertEquals(503, r.getStatus());
        assertEquals("5", r.getHeaderString("Retry-After"));
        Map<?, ?> body = (Map<?, ?>) r.getEntity();
        assertEquals("https://distillab.io/problems/database-unavailable", body.get("type"));
        assertFalse(body.toString().contains("localhost"), body.toString());
    }

    @Test
    void otherFailuresStayInternalErrorsWithAReferenceAndNothingOfTheException() {
        Response r = mapper.unexpected(new IllegalStateException("secret internals",
                new SQLException("duplicate key value violates unique constraint", "23505")));
        assertEquals(500, r.getStatus());
        Map<?, ?> body = (Map<?, ?>) r.getEntity();
        assertEquals("https://distillab.io/problems/internal", body.get("type"));
        assertFalse(body.toString().contains("secret") || body.toString().contains("duplicate"), body.toString());
    }
}
