package io.distillab.service.support.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An RFC 9457 problem document ({@code application/problem+json}), the body of metrics-service's and
 * trainer-service's refusals. {@code field} names the offending request field (a JSON path, or a
 * query parameter); for a rejected trajectory file, {@code file} and {@code record} say where in the
 * file ({@code "record 17"}, {@code "line 5"}, {@code "simulation 3"}) and {@code field} is the JSON
 * path inside that record. (judge-service's problems list every violation and say why the judge was
 * unavailable: a type of its own.)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Problem", description = "RFC 9457 problem details")
// serialised by Jackson through reflection from exception mappers' Response entities, which Quarkus
// does not see as a resource's return type: registered for the native image
@io.quarkus.runtime.annotations.RegisterForReflection
public record Problem(
        @Schema(examples = "https://distillab.io/problems/invalid-record") String type,
        @Schema(examples = "Invalid record") String title,
        @Schema(examples = "400") int status,
        @Schema(examples = "gpt-4o-airline.json: record 3: field 'traj[2].content': expected a string") String detail,
        @Schema(description = "The offending field: a JSON path or a parameter name", examples = "traj[2].content")
        String field,
        @Schema(description = "The uploaded file a rejected record came from") String file,
        @Schema(description = "The rejected record of that file", examples = "record 3") String record) {

    public static final String MEDIA_TYPE = "application/problem+json";
    /** What every problem {@code type} starts with; a slug ({@code invalid-request}) ends it. */
    public static final String TYPE_BASE = "https://distillab.io/problems/";

    public static Problem of(int status, String slug, String title, String detail, String field) {
        return new Problem(TYPE_BASE + slug, title, status, detail, field, null, null);
    }

    public Response toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }
}
