package io.distillab.service.support.problem;

import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Answers {@link ProblemException}s, and holds the answers to JAX-RS's own refusals that
 * metrics-service's and trainer-service's mappers give. Those two stay registered in each service
 * (a mapper for them here would also replace judge-service's, which answers them otherwise).
 */
public class ProblemResponses {

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return e.problem().toResponse();
    }

    /** No such path or resource: 404 in the problem format. */
    public static Response notFound(NotFoundException e) {
        return Problem.of(404, "not-found", "Not found", e.getMessage(), null).toResponse();
    }

    /** Other JAX-RS refusals (415, 405, 406 ...) keep their status, in the problem format. */
    public static Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (e.getResponse().hasEntity()) {
            return e.getResponse();
        }
        return Problem.of(status, "http-" + status, e.getResponse().getStatusInfo().getReasonPhrase(), e.getMessage(),
                null).toResponse();
    }
}
