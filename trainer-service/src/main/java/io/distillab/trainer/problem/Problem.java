package io.distillab.trainer.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An RFC 9457 problem document ({@code application/problem+json}). {@code field} names the
 * offending request field (a JSON path such as {@code wKl[2]}, or a query parameter); for a
 * rejected trajectory file, {@code file} and {@code record} say where in it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
// serialised by Jackson through reflection from exception mappers' Response entities, which Quarkus
// does not see as a resource's return type: registered for the native image
@io.quarkus.runtime.annotations.RegisterForReflection
@Schema(name = "Problem", description = "RFC 9457 problem details")
public record Problem(
        @Schema(examples = "https://distillab.io/problems/invalid-request") String type,
        @Schema(examples = "Invalid request") String title,
        @Schema(examples = "400") int status,
        @Schema(examples = "batchSize: required: rows per step, at least 1") String detail,
        @Schema(description = "The offending field: a JSON path or a parameter name", examples = "batchSize")
        String field,
        @Schema(description = "The trajectory file a rejected record came from") String file,
        @Schema(description = "The rejected record of that file", examples = "record 3") String record) {

    public static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_BASE = "https://distillab.io/problems/";

    public static Problem of(int status, String slug, String title, String detail, String field) {
        return new Problem(TYPE_BASE + slug, title, status, detail, field, null, null);
    }

    public Response toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }
}
