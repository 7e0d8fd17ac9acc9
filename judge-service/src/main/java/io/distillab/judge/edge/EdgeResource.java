package io.distillab.judge.edge;

import io.distillab.service.support.auth.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.distillab.judge.api.Problem;
import io.distillab.judge.batch.BatchLine;
import io.distillab.judge.batch.BatchRequest;
import io.distillab.judge.batch.BatchRunner;
import io.distillab.judge.judgment.Judgment;
import io.distillab.judge.judgment.JudgmentService;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;
import org.jboss.resteasy.reactive.common.util.RestMediaType;

/** Validation of candidate dependency edges (SPEC sections 2 and 5). */
@RolesAllowed(Roles.WRITER)
@Path("/api/v1/edges")
@Tag(name = "edges")
@Consumes(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "400", description = "A field is missing or wrong; the problem names it "
        + "(items[i].field in a batch)",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class EdgeResource {
    private final JudgmentService judgments;
    private final BatchRunner batches;

    public EdgeResource(JudgmentService judgments, BatchRunner batches) {
        this.judgments = judgments;
        this.batches = batches;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Validate one candidate dependency edge: genuine or prior_knowledge")
    @APIResponse(responseCode = "200", description = "Judged (status ok), or recorded as failed (status failed)")
    @APIResponse(responseCode = "503", description = "The judge could not be asked; nothing was recorded",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Judgment<EdgeAnswer> validate(EdgeRequest request) {
        judgments.validate(request, "");
        return judgments.validateEdge(request).orUnavailable();
    }

    @POST
    @Path("/batch")
    @Produces(RestMediaType.APPLICATION_NDJSON)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Validate many edges; one NDJSON line per item as each completes")
    @APIResponse(responseCode = "200", description = "application/x-ndjson: one BatchLine per item, "
            + "in completion order")
    public Multi<BatchLine<EdgeAnswer>> validateBatch(BatchRequest<EdgeRequest> batch) {
        return batches.run(batch, judgments::validateEdge);
    }
}
