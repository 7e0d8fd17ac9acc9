package io.distillab.judge.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.distillab.judge.judgment.JudgeUnavailableException;
import io.distillab.service.support.JsonFieldPath;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns the service's failures into {@code application/problem+json} answers. */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response invalidRequest(InvalidRequestException e) {
        return Problem.invalid(e.violations()).toResponse();
    }

    /** Fields of the wrong type (Quarkus would answer its own 400 without naming them). */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e) {
        return unreadableBody(e);
    }

    /** Quarkus wraps the other body-reading failures (not JSON, unknown enum value) in a 400. */
    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException json) {
            return unreadableBody(json);
        }
        return e.getResponse();
    }

    /** Bodies that are not JSON, or whose fields have the wrong type or an unknown enum value. */
    @ServerExceptionMapper
    public Response unreadableBody(JsonProcessingException e) {
        String field = JsonFieldPath.of(e);
        String message = e.getOriginalMessage();
        return Problem.invalid(List.of(new FieldViolation(field, message == null ? "unreadable JSON" : message)))
                .toResponse();
    }

    /** The LLM provider could not be asked (rate limits after retries, open circuit, timeouts). */
    @ServerExceptionMapper
    public Response judgeUnavailable(JudgeUnavailableException e) {
        String kind = e.kind() == null ? null : e.kind().wire();
        LOG.warnf("Judge unavailable (%s): %s", kind, e.getMessage());
        return Response.status(Response.Status.SERVICE_UNAVAILABLE).type(Problem.MEDIA_TYPE)
                .header("Retry-After", "30")
                .entity(new Problem(Problem.TYPE_BASE + "judge-unavailable", "Judge unavailable", 503,
                        e.getMessage(), null, null, kind))
                .build();
    }
}
