package io.distillab.trainer.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.distillab.core.importer.ImportException;
import io.distillab.service.support.JsonFieldPath;
import io.distillab.service.support.problem.Problem;
import io.distillab.service.support.problem.ProblemException;
import io.distillab.service.support.problem.ProblemResponses;
import io.distillab.trainer.job.InvalidJobException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns the service's failures into {@code application/problem+json} answers ({@link ProblemException}s
 * are answered by service-support's {@link ProblemResponses}).
 */
public class ProblemMappers {

    /** A job refused before it was queued: 400, or 422 for a request that is well formed but cannot run. */
    @ServerExceptionMapper
    public Response invalidJob(InvalidJobException e) {
        return of(e).toResponse();
    }

    public static Problem of(InvalidJobException e) {
        return e.unprocessable()
                ? Problem.of(422, "cannot-run", "The job cannot run", e.getMessage(), e.field())
                : Problem.of(400, "invalid-request", "Invalid request", e.getMessage(), e.field());
    }

    /** A parameters document (multipart part, query parameter) that does not parse. */
    @ServerExceptionMapper
    public Response parametersDocument(io.distillab.trainer.job.JobService.UncheckedJson e) {
        return of(e.json()).toResponse();
    }

    /** A bad record in an uploaded trajectory file: no job was created. */
    @ServerExceptionMapper
    public Response badRecord(ImportException e) {
        return of(e).toResponse();
    }

    public static Problem of(ImportException e) {
        return new Problem(Problem.TYPE_BASE + "invalid-record", "Invalid record", 400,
                e.getMessage() + " (no job was created)", e.field(), e.file(), e.record());
    }

    /** Bodies that are not JSON, or whose fields have the wrong type or name. */
    @ServerExceptionMapper
    public Response unreadableBody(JsonProcessingException e) {
        return of(e).toResponse();
    }

    public static Problem of(JsonProcessingException e) {
        String field = JsonFieldPath.of(e);
        String message = e.getOriginalMessage();
        return Problem.of(400, "invalid-request", "Invalid request",
                field + ": " + (message == null ? "unreadable JSON" : message.lines().findFirst().orElse(message)),
                field);
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
