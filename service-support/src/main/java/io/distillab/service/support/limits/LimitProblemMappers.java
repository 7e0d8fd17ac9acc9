package io.distillab.service.support.limits;

import io.distillab.service.support.paging.InvalidParameterException;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Refusals of the limits and of paging parameters, as problems naming the field and the setting. */
public class LimitProblemMappers {

    @ServerExceptionMapper
    public Response tooLarge(PayloadTooLargeException e) {
        return Response.status(413).type(LimitProblems.MEDIA_TYPE)
                .entity(LimitProblems.tooLarge(e.field(), e.getMessage(), e.limit(), e.setting())).build();
    }

    @ServerExceptionMapper
    public Response invalidParameter(InvalidParameterException e) {
        Map<String, Object> body = LimitProblems.problem(400, "invalid-request", "Invalid request", e.getMessage());
        body.put("field", e.parameter());
        return Response.status(400).type(LimitProblems.MEDIA_TYPE).entity(body).build();
    }
}
