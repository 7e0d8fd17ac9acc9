package io.distillab.judge.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An RFC 9457 problem document ({@code application/problem+json}). {@code field} names the first
 * rejected field and {@code violations} lists all of them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Problem", description = "RFC 9457 problem details")
public record Problem(
        @Schema(examples = "https://distillab.io/problems/invalid-request") String type,
        @Schema(examples = "Invalid request") String title,
        @Schema(examples = "400") int status,
        @Schema(examples = "messagesA: must hold at least one message") String detail,
        @Schema(description = "The first rejected field", examples = "messagesA") String field,
        List<FieldViolation> violations,
        @Schema(description = "503 only: why the judge could not be asked (a judgment's errorKind)",
                examples = "rate_limited") String errorKind) {

    public static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_BASE = "https://distillab.io/problems/";

    public static Problem invalid(List<FieldViolation> violations) {
        return new Problem(TYPE_BASE + "invalid-request", "Invalid request", 400,
                new InvalidRequestException(violations).getMessage(), violations.get(0).field(), violations, null);
    }

    public Response toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }
}
