package io.distillab.service.support.problem;

import io.distillab.service.support.auth.SecurityProblemMappers;
import jakarta.persistence.PersistenceException;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Database failures as the services answer them: 503 with {@code Retry-After} while PostgreSQL
 * cannot be reached (the client should try again, nothing of the request was stored), 500 for any
 * other database error. Either way the body is a fixed problem+json text: a driver's message names
 * hosts, tables, constraint names and SQL, which are not for callers. The exception itself goes to
 * the service's log.
 */
public class DatabaseProblemMappers {
    private static final Logger LOG = Logger.getLogger(DatabaseProblemMappers.class);
    static final int RETRY_AFTER_SECONDS = 5;
    static final String TITLE = "Database unavailable";
    static final String DETAIL = "the service's database cannot be reached right now; nothing of this request was "
            + "stored; retry later";

    @ServerExceptionMapper
    public Response sql(SQLException e) {
        return answer(e);
    }

    /** Hibernate's (JDBCConnectionException, GenericJDBCException...) wrap the driver's SQLException. */
    @ServerExceptionMapper
    public Response persistence(PersistenceException e) {
        return answer(e);
    }

    /** 503 when {@code e} comes from an unreachable database, else 500; public for mappers of wrapping exceptions. */
    public static Response answer(Throwable e) {
        if (DatabaseUnavailable.isCause(e)) {
            LOG.warnf("Database unavailable, answering 503: %s", DatabaseUnavailable.summary(e));
            return Response.fromResponse(SecurityProblemMappers.problem(503, "database-unavailable", TITLE, DETAIL))
                    .header("Retry-After", String.valueOf(RETRY_AFTER_SECONDS)).build();
        }
        LOG.error("Database error", e);
        return SecurityProblemMappers.problem(500, "internal-error", "Internal error",
                "the service failed on a database error; it is in the service's log");
    }
}
