package io.distillab.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One DistilLab service over java.net.http: answers of 400 and above become {@link ServerException}s
 * carrying the problem document's detail (and field), a refused connection one that says so. Requests
 * made with {@link #request} carry the credential as {@code Authorization: Bearer}.
 */
final class ServiceHttp {
    static final ObjectMapper JSON = new ObjectMapper();

    private final String service;
    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /**
     * @param service its name in messages and in the local admin key's path ("metrics-service")
     * @param token   an API key or JWT; null sends none
     */
    ServiceHttp(String service, URI server, String token) {
        String s = server.toString();
        this.service = service;
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.token = token;
    }

    /** A request to {@code path} under the base URL, with the credential when there is one. */
    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    URI base() {
        return base;
    }

    URI resolve(String path) {
        return base.resolve(path);
    }

    JsonNode json(HttpRequest r) throws IOException, InterruptedException {
        return JSON.readTree(text(r));
    }

    String text(HttpRequest r) throws IOException, InterruptedException {
        HttpResponse<String> response = send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() >= 400) {
            throw refusal(response.statusCode(), response.body());
        }
        return response.body();
    }

    /** The answer's body as a stream (event streams, downloads); the caller closes it. */
    InputStream stream(HttpRequest r) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = send(r, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() >= 400) {
            try (InputStream body = response.body()) {
                throw refusal(response.statusCode(), new String(body.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return response.body();
    }

    private <T> HttpResponse<T> send(HttpRequest r, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        try {
            return http.send(r, handler);
        } catch (ConnectException e) {
            throw new ServerException(0, "cannot reach " + service + " at " + base + ": connection refused");
        }
    }

    private ServerException refusal(int status, String body) {
        String detail = body;
        try {
            JsonNode p = JSON.readTree(body);
            if (p != null && p.hasNonNull("detail")) {
                detail = p.get("detail").asText();
            }
        } catch (IOException notJson) {
            // keep the body as it is
        }
        if (status == 401) {
            detail = token == null
                    ? "no credentials: pass --token, set " + ServerToken.ENV + ", or for a service on this machine "
                            + "let it write its local admin key (" + service + "/admin-key)"
                    : "the token was refused (unknown, expired or from another issuer)";
        }
        return new ServerException(status, service + " at " + base + " answered " + status + ": " + detail);
    }
}
