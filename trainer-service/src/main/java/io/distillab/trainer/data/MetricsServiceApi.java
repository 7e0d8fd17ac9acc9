package io.distillab.trainer.data;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The part of metrics-service's REST API that trainer-service reads: datasets and their trajectories. */
@RegisterRestClient(configKey = "metrics")
@RegisterProvider(MetricsAuthorization.class)
@Path("/api/v1/datasets")
public interface MetricsServiceApi {

    @GET
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    JsonNode dataset(@PathParam("id") long id);

    /** The dataset's trajectories as chat JSONL (one canonical record per line), streamed. */
    @GET
    @Path("{id}/trajectories")
    @Produces("application/x-ndjson")
    InputStream trajectories(@PathParam("id") long id, @QueryParam("model") String model);
}
