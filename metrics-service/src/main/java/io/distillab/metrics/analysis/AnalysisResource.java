package io.distillab.metrics.analysis;

import io.distillab.service.support.auth.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.distillab.service.support.problem.Problem;
import io.distillab.service.support.problem.ProblemException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import io.distillab.service.support.paging.Page;
import io.distillab.service.support.paging.PageRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/analyses")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "analyses", description = "AGS/GED/RPS analyses, run by the worker pool")
public class AnalysisResource {
    private static final Set<String> STATUSES = Set.of("queued", "running", "done", "failed");

    private final AnalysisService analyses;

    AnalysisResource(AnalysisService analyses) {
        this.analyses = analyses;
    }

    @RolesAllowed(Roles.WRITER)
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit an analysis", description = "Queued for the worker pool; poll its status.")
    @APIResponse(responseCode = "202", description = "Queued",
            content = @Content(schema = @Schema(implementation = AnalysisView.class)))
    @APIResponse(responseCode = "400", description = "A parameter is wrong; the problem names it",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response submit(AnalysisParameters request) {
        AnalysisView v = analyses.submit(request);
        return Response.accepted(v).location(URI.create(v.links().self())).build();
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Operation(summary = "List analyses, optionally of one dataset or in one status, a page at a time, oldest first")
    public Page<AnalysisView> list(@QueryParam("dataset") Long dataset, @QueryParam("status") String status,
                                   @QueryParam("page") Integer page, @QueryParam("size") Integer size) {
        if (status != null && !STATUSES.contains(status)) {
            throw ProblemException.invalid("status", "must be one of queued, running, done, failed");
        }
        return analyses.list(dataset, status, PageRequest.of(page, size));
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}")
    @Operation(summary = "An analysis: status, progress, timings and parameters")
    public AnalysisView get(@PathParam("id") long id) {
        return analyses.get(id);
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/result")
    @Operation(summary = "The result, in the JSON shape of distillab analyze --json",
            description = "{models, pairs: [{a, b, tasks, ags, s_node, s_seq, s_dep, ged, ged_exact, ci, rps}], "
                    + "features: {model: {f_seq, f_dep}}}, plus directional and families when asked for. "
                    + "rps is RPS(a, b) from judge-service when the analysis asked for it, else null.")
    @APIResponse(responseCode = "200", description = "The result")
    @APIResponse(responseCode = "409", description = "Not done yet, or failed",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response result(@PathParam("id") long id) {
        return Response.ok(analyses.stored(id, false), MediaType.APPLICATION_JSON).build();
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/report")
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "The HTML report: heatmaps of every metric and per-feature bars")
    @APIResponse(responseCode = "200", description = "A self-contained HTML page",
            content = @Content(mediaType = MediaType.TEXT_HTML))
    @APIResponse(responseCode = "409", description = "Not done yet, or failed",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response report(@PathParam("id") long id) {
        return Response.ok(analyses.stored(id, true), MediaType.TEXT_HTML_TYPE.withCharset("utf-8")).build();
    }

    @RolesAllowed(Roles.ADMIN)
    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete an analysis (a running one is stopped)")
    @APIResponse(responseCode = "204", description = "Deleted")
    public void delete(@PathParam("id") long id) {
        analyses.delete(id);
    }
}
