package io.distillab.service.support.errors;

import io.distillab.service.support.problem.DatabaseProblemMappers;
import io.distillab.service.support.problem.DatabaseUnavailable;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * An exception no other mapper knows (a bug) answers 500 with a problem that says nothing of the
 * exception: its class, message and stack trace go to the log under a reference, and the caller
 * gets the reference to quote. Quarkus's own answer would carry the stack trace outside prod.
 *
 * <p>A database that cannot be reached is not a bug, however it comes wrapped (a transaction's
 * {@code QuarkusTransactionException} around the pool's {@code SQLException}, a
 * {@code CompletionException} from another thread): that is {@link DatabaseProblemMappers}'s 503.
 */
public class UnexpectedErrorMapper {
    private static final Logger LOG = Logger.getLogger(UnexpectedErrorMapper.class);

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        if (DatabaseUnavailable.isCause(e)) {
            return DatabaseProblemMappers.answer(e);
        }
        String reference = ErrorReference.next();
        LOG.errorf(e, "Internal error, reference %s", reference);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "https://distillab.io/problems/internal");
        body.put("title", "Internal error");
        body.put("status", 500);
        body.put("detail", ErrorReference.message(reference));
        body.put("reference", reference);
        return Response.status(500).type("application/problem+json").entity(body).build();
    }
}
