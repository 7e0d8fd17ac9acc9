package io.distillab.metrics.judge;

import io.distillab.core.judge.JudgeClient;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * judge-service's batch endpoints: the body is {@code {"items": [...]}} with each item exactly the
 * single endpoint's body; the answer is NDJSON, one {@code {"index", "judgment", "error"}} line per
 * item in completion order. The base URL is {@code quarkus.rest-client.judge.url}.
 */
@RegisterRestClient(configKey = "judge")
@RegisterProvider(JudgeAuthorization.class)
@Path("/api/v1")
@Consumes(MediaType.APPLICATION_JSON)
@Produces("application/x-ndjson")
public interface JudgeApi {

    record Batch<T>(List<T> items) {
    }

    record StageItem(String text, String judge) {
    }

    record RpsItem(String stage, List<String> messagesA, List<String> messagesB, String judge) {
    }

    record EdgeItem(String value, JudgeClient.Call source, JudgeClient.Call target,
                    List<JudgeClient.ChatMessage> messagesBefore, String judge) {
    }

    @POST
    @Path("/stages/batch")
    String stages(Batch<StageItem> batch);

    @POST
    @Path("/rps/batch")
    String rps(Batch<RpsItem> batch);

    @POST
    @Path("/edges/batch")
    String edges(Batch<EdgeItem> batch);
}
