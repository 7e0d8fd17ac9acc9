package io.distillab.service.support.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.distillab.service.support.problem.DatabaseProblemMappers;
import io.distillab.service.support.problem.DatabaseUnavailable;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Refused requests answer {@code application/problem+json} like every other refusal. The detail
 * never repeats the presented token or why exactly it failed (that is for the service's log at
 * debug level, not for a caller probing keys).
 */
public class SecurityProblemMappers {
    static final String MEDIA_TYPE = "application/problem+json";

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return unauthenticated();
    }

    /**
     * A key store that cannot be read (PostgreSQL down) says nothing about the token: that is the
     * database's 503 (or 500), not a 401 that would tell a valid client its key was revoked.
     */
    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e) {
        return DatabaseUnavailable.fromDatabase(e.getCause()) ? DatabaseProblemMappers.answer(e) : unauthenticated();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return problem(403, "forbidden", "Forbidden", "your role does not allow this request");
    }

    private static Response unauthenticated() {
        return Response.fromResponse(problem(401, "unauthenticated", "Unauthenticated",
                        "send Authorization: Bearer <API key or JWT>; the token was missing, unknown, expired or not "
                                + "signed by the configured issuer"))
                .header("WWW-Authenticate", "Bearer").build();
    }

    public static Response problem(int status, String slug, String title, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "https://distillab.io/problems/" + slug);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        return Response.status(status).type(MEDIA_TYPE).entity(body).build();
    }
}
