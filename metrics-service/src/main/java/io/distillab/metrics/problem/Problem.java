package io.distillab.metrics.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An RFC 9457 problem document ({@code application/problem+json}). {@code field} names the
 * offending request field (a JSON path, or a query parameter); for a rejected upload,
 * {@code file} and {@code record} say where in the file ({@code "record 17"}, {@code "line 5"},
 * {@code "simulation 3"}) and {@code field} is the JSON path inside that record.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Problem", description = "RFC 9457 problem details")
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
    static final String TYPE_BASE = "https://distillab.io/problems/";

    public static Problem of(int status, String slug, String title, String detail, String field) {
        return new Problem(TYPE_BASE + slug, title, status, detail, field, null, null);
    }

    public Response toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this).build();
    }
}
