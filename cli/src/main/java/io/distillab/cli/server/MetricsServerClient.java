package io.distillab.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * metrics-service's REST API ({@code /api/v1}) over java.net.http: datasets, streamed uploads and
 * analyses. Problems ({@code application/problem+json}) become {@link ServerException}s carrying
 * their detail.
 */
public final class MetricsServerClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final ServiceHttp http;

    /**
     * @param server the service's base URL, e.g. {@code http://localhost:8080}
     * @param token  an API key or JWT sent as {@code Authorization: Bearer}; null sends none
     */
    public MetricsServerClient(URI server, String token) {
        this.http = new ServiceHttp(ServerToken.METRICS, server, token);
        this.base = http.base();
    }

    /** With the token {@link ServerToken} finds ({@code DISTILLAB_TOKEN} or the local admin key). */
    public MetricsServerClient(URI server) {
        this(server, ServerToken.resolve(null, server).orElse(null));
    }

    public URI base() {
        return base;
    }

    /** Creates a dataset; returns its id. */
    public long createDataset(String name, String description) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("name", name).put("description", description);
        return send(post("api/v1/datasets", body)).get("id").asLong();
    }

    /** The id of the dataset with this name, creating it when there is none. */
    public long datasetNamed(String name) throws IOException, InterruptedException {
        // names are unique: the server finds it (the list itself comes a page at a time)
        String q = "api/v1/datasets?name=" + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8);
        for (JsonNode d : send(request(q).GET().build()).path("items")) {
            if (d.get("name").asText().equals(name)) {
                return d.get("id").asLong();
            }
        }
        return createDataset(name, "created by distillab import");
    }

    /** Streams one file to the dataset; returns the upload summary. */
    public JsonNode upload(long dataset, Path file, String format, String model) throws IOException, InterruptedException {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("format", format);
        q.put("filename", file.getFileName().toString());
        if (model != null) {
            q.put("model", model);
        }
        String query = q.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(),
                StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        HttpRequest r = request("api/v1/datasets/" + dataset + "/trajectories?" + query)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(file)).build();
        return send(r);
    }

    /** Submits an analysis (the REST body); returns its id. */
    public long submit(ObjectNode parameters) throws IOException, InterruptedException {
        return send(post("api/v1/analyses", parameters)).get("id").asLong();
    }

    public JsonNode analysis(long id) throws IOException, InterruptedException {
        return send(request("api/v1/analyses/" + id).GET().build());
    }

    /** The result JSON, verbatim. */
    public String result(long id) throws IOException, InterruptedException {
        return sendForText(request("api/v1/analyses/" + id + "/result").GET().build());
    }

    public String report(long id) throws IOException, InterruptedException {
        return sendForText(request("api/v1/analyses/" + id + "/report").GET().build());
    }

    private HttpRequest post(String path, JsonNode body) throws IOException {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
    }

    private HttpRequest.Builder request(String path) {
        return http.request(path);
    }

    private JsonNode send(HttpRequest r) throws IOException, InterruptedException {
        return http.json(r);
    }

    private String sendForText(HttpRequest r) throws IOException, InterruptedException {
        return http.text(r);
    }
}
