package io.distillab.metrics.dataset;

import io.distillab.service.support.auth.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.metrics.dataset.DatasetViews.DatasetView;
import io.distillab.metrics.dataset.DatasetViews.ModelView;
import io.distillab.metrics.dataset.DatasetViews.NewDataset;
import io.distillab.metrics.dataset.DatasetViews.TaskView;
import io.distillab.metrics.dataset.DatasetViews.UploadView;
import io.distillab.metrics.importing.TrajectoryImportService;
import io.distillab.service.support.problem.Problem;
import io.distillab.service.support.problem.ProblemException;
import io.distillab.service.support.limits.LimitedInputStream;
import io.distillab.service.support.limits.RequestBodyLimits;
import io.distillab.service.support.paging.Page;
import io.distillab.service.support.paging.PageRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.net.URI;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/v1/datasets")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "datasets", description = "Datasets of trajectories: create, upload files, list models and tasks")
public class DatasetResource {
    private static final Pattern CONTENT_DISPOSITION_NAME = Pattern.compile("filename=\"?([^\";]+)\"?");

    private final DatasetService datasets;
    private final TrajectoryImportService importer;
    private final TrajectoryExport export;
    private final RequestBodyLimits limits;

    DatasetResource(DatasetService datasets, TrajectoryImportService importer, TrajectoryExport export,
                    RequestBodyLimits limits) {
        this.datasets = datasets;
        this.importer = importer;
        this.export = export;
        this.limits = limits;
    }

    @RolesAllowed(Roles.WRITER)
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a dataset")
    @APIResponse(responseCode = "201", description = "Created")
    @APIResponse(responseCode = "409", description = "The name is taken",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response create(NewDataset request) {
        DatasetView d = datasets.create(request);
        return Response.created(URI.create("/api/v1/datasets/" + d.id())).entity(d).build();
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Operation(summary = "List datasets, a page at a time, oldest first",
            description = "With name: the dataset of that name (an empty page when there is none).")
    public Page<DatasetView> list(@QueryParam("name") String name, @QueryParam("page") Integer page,
                                  @QueryParam("size") Integer size) {
        return datasets.list(PageRequest.of(page, size), name);
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}")
    @Operation(summary = "One dataset")
    public DatasetView get(@PathParam("id") long id) {
        return datasets.get(id);
    }

    @RolesAllowed(Roles.ADMIN)
    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete a dataset with its trajectories and analyses")
    @APIResponse(responseCode = "204", description = "Deleted")
    public void delete(@PathParam("id") long id) {
        datasets.delete(id);
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/models")
    @Operation(summary = "The models of a dataset, a page at a time, by name")
    public Page<ModelView> models(@PathParam("id") long id, @QueryParam("page") Integer page,
                                  @QueryParam("size") Integer size) {
        return datasets.models(id, PageRequest.of(page, size));
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/tasks")
    @Operation(summary = "The tasks of a dataset, a page at a time, by name")
    public Page<TaskView> tasks(@PathParam("id") long id, @QueryParam("page") Integer page,
                                @QueryParam("size") Integer size) {
        return datasets.tasks(id, PageRequest.of(page, size));
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/trajectories")
    @Produces("application/x-ndjson")
    @Operation(summary = "The dataset's trajectories as chat JSONL, streamed",
            description = "One canonical chat record per line ({model, task, trial, reward, messages} with tool calls "
                    + "and tool outputs), in upload order; what trainer-service trains on. With model: that "
                    + "model's trajectories only.")
    @APIResponse(responseCode = "200", description = "Chat JSONL", content = @Content(mediaType = "application/x-ndjson"))
    @APIResponse(responseCode = "404", description = "No such dataset",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response trajectories(@PathParam("id") long id, @QueryParam("model") String model) {
        datasets.requireExists(id);
        jakarta.ws.rs.core.StreamingOutput body = out -> export.write(id, model, out);
        return Response.ok(body, "application/x-ndjson").build();
    }

    @RolesAllowed(Roles.READER)
    @GET
    @Path("{id}/uploads")
    @Operation(summary = "The files uploaded to a dataset, a page at a time, oldest first")
    public Page<UploadView> uploads(@PathParam("id") long id, @QueryParam("page") Integer page,
                                    @QueryParam("size") Integer size) {
        return datasets.uploads(id, PageRequest.of(page, size));
    }

    @RolesAllowed(Roles.WRITER)
    @POST
    @Path("{id}/trajectories")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Upload a trajectory file",
            description = "The request body is the file itself, streamed into PostgreSQL in one transaction: "
                    + "a bad record answers 400 naming the record and field, and nothing of the file is stored. "
                    + "A body over distillab.limits.upload-bytes answers 413, also when it comes chunked.")
    @APIResponse(responseCode = "201", description = "Stored")
    @APIResponse(responseCode = "400", description = "A bad record or parameter",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "The file is larger than distillab.limits.upload-bytes",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response upload(@PathParam("id") long id,
                           @Parameter(description = "tau-bench, tau2, toolbench or chat-jsonl", required = true)
                           @QueryParam("format") String format,
                           @Parameter(description = "Model name of every trajectory (default: from the file or file name)")
                           @QueryParam("model") String model,
                           @Parameter(description = "The file's name (default: Content-Disposition's); gives the "
                                   + "default model name, e.g. gpt-4o-airline.json is model gpt-4o")
                           @QueryParam("filename") String filename,
                           @HeaderParam("Content-Disposition") String contentDisposition,
                           InputStream body) throws SQLException {
        if (format == null || format.isBlank()) {
            throw ProblemException.invalid("format", "required; one of tau-bench, tau2, toolbench, chat-jsonl");
        }
        TrajectoryFormat fmt;
        try {
            fmt = TrajectoryFormat.fromName(format.trim());
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("format", e.getMessage());
        }
        if (model != null && model.isBlank()) {
            throw ProblemException.invalid("model", "must not be blank when given");
        }
        String name = fileName(filename, contentDisposition);
        // counted as it streams: a chunked body is refused when it passes the limit, and the
        // import's transaction rolls back
        InputStream limited = new LimitedInputStream(body, limits.uploadBytes(), RequestBodyLimits.UPLOAD_SETTING);
        UploadView u = importer.importFile(id, limited, name, fmt, model == null ? null : model.trim());
        return Response.created(URI.create("/api/v1/datasets/" + id + "/uploads")).entity(u).build();
    }

    private static String fileName(String filename, String contentDisposition) {
        String name = filename;
        if ((name == null || name.isBlank()) && contentDisposition != null) {
            Matcher m = CONTENT_DISPOSITION_NAME.matcher(contentDisposition);
            if (m.find()) {
                name = m.group(1);
            }
        }
        if (name == null || name.isBlank()) {
            return "upload.json";
        }
        // only the last path element: it names the model, never a place on the server
        String n = name.replace('\\', '/');
        n = n.substring(n.lastIndexOf('/') + 1);
        if (n.isBlank()) {
            throw ProblemException.invalid("filename", "must name a file");
        }
        return n;
    }
}
