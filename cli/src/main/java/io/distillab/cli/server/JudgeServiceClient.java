package io.distillab.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.core.judge.JudgeClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A running judge-service, asked directly ({@code distillab analyze --judge URL}): its batch
 * endpoints ({@code POST /api/v1/{stages,rps,edges}/batch}, body {@code {"items": [...]}}, each item
 * the single endpoint's body; answer NDJSON, one {@code {"index", "judgment", "error"}} line per item).
 * A judgment recorded as failed answers null; a judge that could not be asked, or a service error,
 * fails the run with one line ({@link UncheckedIOException} around a {@link ServerException}).
 */
public final class JudgeServiceClient implements JudgeClient {
    private final URI base;
    private final ServiceHttp http;

    /**
     * @param service judge-service's base URL, e.g. {@code http://localhost:8081}
     * @param token   an API key or JWT sent as {@code Authorization: Bearer}; null sends none
     */
    public JudgeServiceClient(URI service, String token) {
        this.http = new ServiceHttp(ServerToken.JUDGE, service, token);
        this.base = http.base();
    }

    /** With the token {@link ServerToken} finds ({@code DISTILLAB_TOKEN} or judge-service's local admin key). */
    public JudgeServiceClient(URI service) {
        this(service, ServerToken.resolve(null, service, ServerToken.JUDGE).orElse(null));
    }

    @Override
    public List<String> stages(List<StageQuestion> questions, String judge) {
        return batch("stages", questions.size(), i -> item(judge).put("text", questions.get(i).text()),
                a -> a.path("stage").isTextual() ? a.path("stage").asText() : null);
    }

    @Override
    public List<Double> rps(List<RpsQuestion> questions, String judge) {
        return batch("rps", questions.size(), i -> {
            RpsQuestion q = questions.get(i);
            ObjectNode o = item(judge).put("stage", q.stage());
            q.messagesA().forEach(o.putArray("messagesA")::add);
            q.messagesB().forEach(o.putArray("messagesB")::add);
            return o;
        }, JudgeServiceClient::overall);
    }

    @Override
    public List<Boolean> edges(List<EdgeQuestion> questions, String judge) {
        return batch("edges", questions.size(), i -> {
            EdgeQuestion q = questions.get(i);
            ObjectNode o = item(judge).put("value", q.value());
            o.set("source", MetricsServerClient.JSON.valueToTree(q.source()));
            o.set("target", MetricsServerClient.JSON.valueToTree(q.target()));
            o.set("messagesBefore", MetricsServerClient.JSON.valueToTree(q.messagesBefore()));
            return o;
        }, a -> switch (a.path("verdict").asText("")) {
            case "genuine" -> Boolean.TRUE;
            case "prior_knowledge" -> Boolean.FALSE;
            default -> null;
        });
    }

    private static ObjectNode item(String judge) {
        ObjectNode o = MetricsServerClient.JSON.createObjectNode();
        if (judge != null) {
            o.put("judge", judge);
        }
        return o;
    }

    /** SPEC: Overall = the mean of the three scores (computed here, as metrics-service does). */
    private static Double overall(JsonNode a) {
        JsonNode s = a.path("style");
        JsonNode st = a.path("structure");
        JsonNode al = a.path("alignment");
        if (!s.isNumber() || !st.isNumber() || !al.isNumber()) {
            return null;
        }
        return (s.asInt() + st.asInt() + al.asInt()) / 3.0;
    }

    private <T> List<T> batch(String kind, int n, Function<Integer, ObjectNode> item, Function<JsonNode, T> answer) {
        if (n == 0) {
            return List.of();
        }
        try {
            ObjectNode body = MetricsServerClient.JSON.createObjectNode();
            ArrayNode items = body.putArray("items");
            for (int i = 0; i < n; i++) {
                items.add(item.apply(i));
            }
            HttpRequest r = http.request("api/v1/" + kind + "/batch")
                    .header("Content-Type", "application/json").header("Accept", "application/x-ndjson")
                    .timeout(Duration.ofMinutes(10))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(MetricsServerClient.JSON.writeValueAsBytes(body))).build();
            return answers(n, http.text(r), answer);
        } catch (IOException e) {
            throw new UncheckedIOException(e instanceof ServerException ? e
                    : new ServerException(0, "judge-service at " + base + ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new ServerException(0, "interrupted while asking judge-service at " + base));
        }
    }

    /** The NDJSON answer as a positional list; an item the judge could not be asked about fails the batch. */
    private <T> List<T> answers(int n, String body, Function<JsonNode, T> answer) throws IOException {
        Object[] out = new Object[n];
        boolean[] seen = new boolean[n];
        for (String line : body.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode l = MetricsServerClient.JSON.readTree(line);
            int i = l.path("index").asInt(-1);
            if (i < 0 || i >= n) {
                throw new ServerException(0, "judge-service at " + base + " answered for item " + i + " of " + n);
            }
            if (l.hasNonNull("error")) {
                throw new ServerException(0, "judge-service at " + base + " failed on an item: " + l.get("error").asText());
            }
            JsonNode j = l.path("judgment");
            String status = j.path("status").asText("");
            if (status.equals("error")) {
                throw new ServerException(0, "judge-service at " + base + " could not ask its judge: "
                        + j.path("error").asText("no reason given"));
            }
            seen[i] = true;
            out[i] = status.equals("ok") ? answer.apply(j.path("answer")) : null;
        }
        for (int i = 0; i < n; i++) {
            if (!seen[i]) {
                throw new ServerException(0, "judge-service at " + base + " left item " + i + " of " + n + " unanswered");
            }
        }
        @SuppressWarnings("unchecked")
        List<T> list = (List<T>) new ArrayList<>(Arrays.asList(out));
        return list;
    }
}
