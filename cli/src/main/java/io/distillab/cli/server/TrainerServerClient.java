package io.distillab.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * trainer-service's REST API ({@code /api/v1/jobs}): submit a job with its trajectory file, follow
 * it as server-sent events, download its student.
 */
public final class TrainerServerClient {
    private final ServiceHttp http;

    /**
     * @param server the service's base URL, e.g. {@code http://localhost:8082}
     * @param token  an API key or JWT sent as {@code Authorization: Bearer}; null sends none
     */
    public TrainerServerClient(URI server, String token) {
        this.http = new ServiceHttp(ServerToken.TRAINER, server, token);
    }

    public URI base() {
        return http.base();
    }

    /** Submits a job whose trajectories are {@code data} (streamed as the request body); returns the job. */
    public JsonNode submit(ObjectNode parameters, Path data) throws IOException, InterruptedException {
        String query = "parameters=" + URLEncoder.encode(ServiceHttp.JSON.writeValueAsString(parameters),
                StandardCharsets.UTF_8) + "&filename=" + URLEncoder.encode(data.getFileName().toString(),
                StandardCharsets.UTF_8);
        return http.json(http.request("api/v1/jobs?" + query)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(data)).build());
    }

    public JsonNode job(long id) throws IOException, InterruptedException {
        return http.json(http.request("api/v1/jobs/" + id).GET().build());
    }

    /** One server-sent event. */
    public record Event(String type, String id, String data) {
    }

    /**
     * Reads the job's events after step {@code afterStep} until the stream ends (the job has ended, or
     * the connection dropped: the caller reconnects with the last step it saw).
     */
    public void follow(long id, long afterStep, Consumer<Event> events) throws IOException, InterruptedException {
        HttpRequest.Builder r = http.request("api/v1/jobs/" + id + "/events")
                .header("Accept", "text/event-stream").GET();
        if (afterStep > 0) {
            r.header("Last-Event-ID", Long.toString(afterStep));
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(http.stream(r.build()), StandardCharsets.UTF_8))) {
            String type = "message";
            String eventId = null;
            StringBuilder data = new StringBuilder();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        events.accept(new Event(type, eventId, data.toString()));
                    }
                    type = "message";
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    type = line.substring(6).strip();
                } else if (line.startsWith("id:")) {
                    eventId = line.substring(3).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                }
            }
        }
    }

    /** The final student as a zip stream; the caller closes it. */
    public InputStream student(long id) throws IOException, InterruptedException {
        return http.stream(http.request("api/v1/jobs/" + id + "/student").GET().build());
    }
}
