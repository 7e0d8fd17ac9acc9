package io.distillab.trainer.job;

import io.distillab.trainer.page.JobPage;
import io.distillab.service.support.problem.Problem;
import io.distillab.service.support.problem.ProblemException;
import io.distillab.service.support.auth.Roles;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "jobs", description = "Distillation jobs: submit, follow, cancel, collect the student")
public class JobResource {
    private static final String NDJSON = "application/x-ndjson";

    private final JobService jobs;
    private final JobEvents events;
    private final io.distillab.trainer.store.ModelStore store;
    /** The upload limit (distillab.limits.upload-bytes), counted while a file streams in. */
    @jakarta.inject.Inject
    io.distillab.service.support.limits.RequestBodyLimits limits;

    JobResource(JobService jobs, JobEvents events, io.distillab.trainer.store.ModelStore store) {
        this.jobs = jobs;
        this.events = events;
        this.store = store;
    }

    @RolesAllowed(Roles.WRITER)
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "Submit a job on a metrics-service dataset",
            description = "The body is the job's parameters with \"dataset\": a metrics-service dataset id. Checked "
                    + "completely before it is queued; 202 with the job and its Location.")
    @APIResponse(responseCode = "202", description = "Queued", content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "400", description = "A field is wrong; the problem names it",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "Well formed but cannot run (memory, device)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response submit(JobParameters parameters) {
        return accepted(jobs.submit(parameters, null));
    }

    @RolesAllowed(Roles.WRITER)
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Blocking
    @Operation(summary = "Submit a job with its trajectory file (multipart)",
            description = "Parts: \"parameters\" (the job's parameters as JSON, without dataset) and \"data\" (the "
                    + "trajectory file: tau-bench, tau2, toolbench or chat-jsonl; \"format\" detects it when absent).")
    @APIResponse(responseCode = "202", description = "Queued", content = @Content(schema = @Schema(implementation = JobView.class)))
    public Response submitMultipart(@RestForm("parameters") String parameters, @RestForm("data") FileUpload data) {
        if (data == null) {
            throw ProblemException.invalid("data", "required: the trajectory file part");
        }
        JobParameters p = JobService.parse(parameters);
        if (data.size() > limits.uploadBytes()) { // Quarkus has it on disk, and deletes it after the request
            throw io.distillab.service.support.limits.PayloadTooLargeException.body(limits.uploadBytes(),
                    io.distillab.service.support.limits.RequestBodyLimits.UPLOAD_SETTING);
        }
        try (InputStream in = Files.newInputStream(data.uploadedFile())) {
            return accepted(jobs.submit(p, new JobService.Upload(data.fileName(), in)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @RolesAllowed(Roles.WRITER)
    @POST
    @Consumes({MediaType.APPLICATION_OCTET_STREAM, NDJSON})
    @Blocking
    @Operation(summary = "Submit a job with its trajectory file as the request body",
            description = "The body is the trajectory file; the parameters come as the query parameter "
                    + "\"parameters\" (URL-encoded JSON), the file's name as \"filename\".")
    @APIResponse(responseCode = "202", description = "Queued", content = @Content(schema = @Schema(implementation = JobView.class)))
    public Response submitRaw(@Parameter(description = "The job's parameters as JSON", required = true)
                              @QueryParam("parameters") String parameters,
                              @QueryParam("filename") String filename, InputStream body) {
        // counted as it streams: a chunked body is refused when it passes the limit (the job's
        // staging folder is deleted)
        InputStream limited = new io.distillab.service.support.limits.LimitedInputStream(body, limits.uploadBytes(),
                io.distillab.service.support.limits.RequestBodyLimits.UPLOAD_SETTING);
        return accepted(jobs.submit(JobService.parse(parameters), new JobService.Upload(filename, limited)));
    }

    private static Response accepted(JobView v) {
        return Response.accepted(v).location(URI.create(v.links().self())).build();
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Operation(summary = "List jobs, newest first, a page at a time")
    public JobView.Page list(@QueryParam("status") String status,
                             @QueryParam("page") @DefaultValue("0") int page,
                             @QueryParam("size") @DefaultValue("20") int size) {
        return jobs.list(status, page, size);
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}")
    @Operation(summary = "A job: status, step, the latest step's metrics, parameters")
    public JobView get(@PathParam("id") long id) {
        return jobs.get(id);
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/transitions")
    @Operation(summary = "The job's status changes, oldest first")
    public java.util.List<JobView.Transition> transitions(@PathParam("id") long id) {
        return jobs.transitions(id);
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/attempts")
    @Operation(summary = "The job's runs, oldest first: which worker ran it, from which checkpoint, how the run ended")
    public java.util.List<JobView.Attempt> attempts(@PathParam("id") long id) {
        return jobs.attempts(id);
    }

    @RolesAllowed(Roles.WRITER)
    @POST
    @Path("{id}/cancel")
    @Operation(summary = "Cancel a job", description = "A queued job is cancelled at once, a running one after its current step.")
    @APIResponse(responseCode = "202", description = "Cancelled, or being cancelled")
    @APIResponse(responseCode = "409", description = "The job has ended already",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response cancel(@PathParam("id") long id) {
        return Response.accepted(jobs.cancel(id)).build();
    }

    @RolesAllowed(Roles.ADMIN)
    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete a job that is not running, with its files")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "409", description = "Running: cancel it first",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public void delete(@PathParam("id") long id) {
        jobs.delete(id);
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/loss")
    @Operation(summary = "The loss curves so far",
            description = "{steps, loss, kl, ce, spans: {reason|action|observation|other: {kl, ce}}}, one value per step "
                    + "(null where the engine reported none); with evalFraction also heldOut: the same fields for each "
                    + "evaluation of the held-out rows, and their number of rows")
    public Response loss(@PathParam("id") long id) {
        return Response.ok(jobs.lossCurve(id).toJson().toString(), MediaType.APPLICATION_JSON).build();
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/loss.svg")
    @Produces("image/svg+xml")
    @Operation(summary = "The loss curves so far as an SVG image: loss, KL and CE (and the held-out loss); KL and CE "
            + "per span type")
    public Response lossSvg(@PathParam("id") long id) {
        return Response.ok(jobs.lossCurve(id).svg("trainer job " + id), "image/svg+xml").build();
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/report")
    @Operation(summary = "The training report: parameters, history, summary of the run, the student's files")
    public Response report(@PathParam("id") long id) {
        JobView job = jobs.get(id);
        return Response.ok(JobReport.of(job, jobs.transitions(id), jobs.attempts(id), jobs.steps(id, 0),
                jobs.evaluations(id), job.status().equals("succeeded") ? store.finalStudent(id) : null).toString(),
                MediaType.APPLICATION_JSON).build();
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/page")
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "The job's page: state, parameters, history and loss curves per span type")
    public Response page(@PathParam("id") long id) {
        JobView job = jobs.get(id);
        return Response.ok(JobPage.html(job, jobs.transitions(id), jobs.lossCurve(id)),
                MediaType.TEXT_HTML_TYPE.withCharset("utf-8")).build();
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/student")
    @Produces("application/zip")
    @Operation(summary = "The final student (or, with which=best, the weights of the lowest held-out loss of a job "
            + "with keepBest): a zip of its Hugging Face folder, streamed")
    @APIResponse(responseCode = "200", description = "The zip", content = @Content(mediaType = "application/zip"))
    @APIResponse(responseCode = "400", description = "which is neither final nor best",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The job has not succeeded, or kept no best student",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response student(@PathParam("id") long id,
                            @Parameter(description = "final (default) or best") @QueryParam("which") String which) {
        java.nio.file.Path dir = jobs.student(id, which);
        StreamingOutput zip = out -> io.distillab.trainer.store.ModelStore.zip(dir, out);
        return Response.ok(zip, "application/zip")
                .header("Content-Disposition", "attachment; filename=\"job-" + id
                        + ("best".equals(which) ? "-best" : "") + "-student.zip\"").build();
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/events")
    @Blocking
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Server-sent events: each step's metrics (event \"step\", id = the step) and each status "
            + "change (event \"status\"); ends after the job does. Last-Event-ID resumes after that step.")
    public Multi<OutboundSseEvent> events(@PathParam("id") long id, @HeaderParam("Last-Event-ID") String lastEventId,
                                          @Context Sse sse) {
        long after = 0;
        if (lastEventId != null && !lastEventId.isBlank()) {
            try {
                after = Long.parseLong(lastEventId.trim());
            } catch (NumberFormatException e) {
                throw ProblemException.invalid("Last-Event-ID", "must be a step number");
            }
        }
        return events.follow(id, after).map(e -> sse.newEventBuilder().name(e.type()).id(Long.toString(e.id()))
                .mediaType(MediaType.TEXT_PLAIN_TYPE).data(e.data()).build());
    }
}
