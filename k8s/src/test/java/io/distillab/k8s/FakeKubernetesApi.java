package io.distillab.k8s;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The few Kubernetes API answers Helm's {@code lookup} needs (discovery of v1 and GET of one Secret),
 * so that the chart's "keep the generated password across upgrades" is tested as Helm runs it:
 * helm-java's embedded Helm asks a cluster for lookups even in a dry run, and there is none here.
 * Secrets put here are what a previous release left in the namespace.
 */
final class FakeKubernetesApi implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();

    FakeKubernetesApi() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String body;
            int status = 200;
            if (path.equals("/api")) {
                body = "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[]}";
            } else if (path.equals("/apis")) {
                body = "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[]}";
            } else if (path.equals("/api/v1")) {
                body = "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":[{\"name\":\"secrets\","
                        + "\"singularName\":\"secret\",\"namespaced\":true,\"kind\":\"Secret\",\"verbs\":[\"get\",\"list\"]}]}";
            } else if (path.equals("/version")) {
                body = "{\"major\":\"1\",\"minor\":\"30\",\"gitVersion\":\"v1.30.0\"}";
            } else if (secrets.containsKey(path)) {
                body = secrets.get(path);
            } else {
                status = 404;
                body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    /** A Secret of the namespace, as its JSON; {@code data} values are base64 already. */
    void putSecret(String namespace, String name, Map<String, String> data) {
        StringBuilder json = new StringBuilder("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"")
                .append(name).append("\",\"namespace\":\"").append(namespace).append("\"},\"data\":{");
        String sep = "";
        for (var e : data.entrySet()) {
            json.append(sep).append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
            sep = ",";
        }
        secrets.put("/api/v1/namespaces/" + namespace + "/secrets/" + name, json.append("}}").toString());
    }

    void removeSecrets() {
        secrets.clear();
    }

    String kubeConfig() {
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        return """
                apiVersion: v1
                kind: Config
                clusters: [{name: fake, cluster: {server: "%s"}}]
                users: [{name: fake, user: {}}]
                contexts: [{name: fake, context: {cluster: fake, user: fake, namespace: eval}}]
                current-context: fake
                """.formatted(url);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
