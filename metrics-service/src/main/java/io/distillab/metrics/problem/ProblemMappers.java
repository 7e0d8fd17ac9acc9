package io.distillab.metrics.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.distillab.core.importer.ImportException;
import jakarta.ws.rs.NotFoundException;
import io.distillab.service.support.JsonFieldPath;
import io.distillab.service.support.problem.Problem;
import io.distillab.service.support.problem.ProblemException;
import io.distillab.service.support.problem.ProblemResponses;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns the service's failures into {@code application/problem+json} answers ({@link ProblemException}s
 * are answered by service-support's {@link ProblemResponses}).
 */
public class ProblemMappers {

    /** A bad record in an upload: nothing of the file was stored (the import's transaction rolled back). */
    @ServerExceptionMapper
    public Response badRecord(ImportException e) {
        return new Problem(Problem.TYPE_BASE + "invalid-record", "Invalid record", 400,
                e.getMessage() + " (nothing of this file was stored)", e.field(), e.file(), e.record()).toResponse();
    }

    /** Bodies that are not JSON, or whose fields have the wrong type. */
    @ServerExceptionMapper
    public Response unreadableBody(JsonProcessingException e) {
        String field = JsonFieldPath.of(e);
        String message = e.getOriginalMessage();
        return Problem.of(400, "invalid-request", "Invalid request",
                field + ": " + (message == null ? "unreadable JSON" : message), field).toResponse();
    }

    /** Quarkus maps these two itself (plain JSON); registered here so that they answer problems too. */
    @ServerExceptionMapper
    public Response notJson(com.fasterxml.jackson.core.JsonParseException e) {
        return unreadableBody(e);
    }

    @ServerExceptionMapper
    public Response mismatchedInput(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        return unreadableBody(e);
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return ProblemResponses.notFound(e);
    }

    /** Other JAX-RS refusals (415, 405, 406 ...) keep their status, in the problem format. */
    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        return ProblemResponses.webApplication(e);
    }
}
