package io.distillab.judge.stage;

import io.distillab.judging.Stage;
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

/** Stage annotation of assistant messages (SPEC section 5). */
@RolesAllowed(Roles.WRITER)
@Path("/api/v1/stages")
@Tag(name = "stages")
@Consumes(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "400", description = "A field is missing or wrong; the problem names it "
        + "(items[i].field in a batch)",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class StageResource {
    private final JudgmentService judgments;
    private final BatchRunner batches;

    public StageResource(JudgmentService judgments, BatchRunner batches) {
        this.judgments = judgments;
        this.batches = batches;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Annotate one assistant message with its stage")
    @APIResponse(responseCode = "200", description = "Judged (status ok), or recorded as failed (status failed)")
    @APIResponse(responseCode = "503", description = "The judge could not be asked; nothing was recorded",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Judgment<StageAnswer> annotate(StageRequest request) {
        judgments.validate(request, "");
        return judgments.annotateStage(request).orUnavailable();
    }

    @POST
    @Path("/batch")
    @Produces(RestMediaType.APPLICATION_NDJSON)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Annotate many messages; one NDJSON line per item as each completes")
    @APIResponse(responseCode = "200", description = "application/x-ndjson: one BatchLine per item, "
            + "in completion order")
    public Multi<BatchLine<StageAnswer>> annotateBatch(BatchRequest<StageRequest> batch) {
        return batches.run(batch, judgments::annotateStage);
    }
}
