package io.distillab.metrics.judge;

import io.distillab.core.judge.JudgeClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * judge-service's REST batch endpoints behind SmallRye Fault Tolerance: each batch call times out
 * (60 s by default; {@code io.distillab.metrics.judge.JudgeRestClient/stages/Timeout/value} and
 * friends change it) and is retried twice on transport failures. {@link RemoteJudge} turns what
 * still fails into {@link JudgeUnavailableException}.
 */
@ApplicationScoped
public class JudgeRestClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JudgeApi api;
    private final String url;

    JudgeRestClient(@RestClient JudgeApi api, @ConfigProperty(name = "quarkus.rest-client.judge.url") String url) {
        this.api = api;
        this.url = url;
    }

    @Timeout(60_000)
    @Retry(maxRetries = 2, delay = 500, retryOn = ProcessingException.class)
    public List<String> stages(List<JudgeClient.StageQuestion> questions, String judge) {
        List<JudgeApi.StageItem> items = questions.stream().map(q -> new JudgeApi.StageItem(q.text(), judge)).toList();
        return answers(questions.size(), () -> api.stages(new JudgeApi.Batch<>(items)),
                j -> j.path("stage").isTextual() ? j.path("stage").asText() : null);
    }

    @Timeout(60_000)
    @Retry(maxRetries = 2, delay = 500, retryOn = ProcessingException.class)
    public List<Double> rps(List<JudgeClient.RpsQuestion> questions, String judge) {
        List<JudgeApi.RpsItem> items = questions.stream()
                .map(q -> new JudgeApi.RpsItem(q.stage(), q.messagesA(), q.messagesB(), judge)).toList();
        return answers(questions.size(), () -> api.rps(new JudgeApi.Batch<>(items)), JudgeRestClient::overall);
    }

    @Timeout(60_000)
    @Retry(maxRetries = 2, delay = 500, retryOn = ProcessingException.class)
    public List<Boolean> edges(List<JudgeClient.EdgeQuestion> questions, String judge) {
        List<JudgeApi.EdgeItem> items = questions.stream()
                .map(q -> new JudgeApi.EdgeItem(q.value(), q.source(), q.target(), q.messagesBefore(), judge)).toList();
        return answers(questions.size(), () -> api.edges(new JudgeApi.Batch<>(items)), j -> switch (j.path("verdict").asText("")) {
            case "genuine" -> Boolean.TRUE;
            case "prior_knowledge" -> Boolean.FALSE;
            default -> null;
        });
    }

    /** SPEC: Overall = the mean of the three scores (computed here, not trusted from the answer). */
    private static Double overall(JsonNode j) {
        JsonNode s = j.path("style");
        JsonNode st = j.path("structure");
        JsonNode a = j.path("alignment");
        if (!s.isNumber() || !st.isNumber() || !a.isNumber()) {
            return null;
        }
        return (s.asInt() + st.asInt() + a.asInt()) / 3.0;
    }

    private interface Call {
        String get();
    }

    /**
     * Reads the NDJSON answer into a positional list. A line with status {@code error} (the judge's
     * provider could not be asked) or a service error makes the whole batch unavailable: an
     * analysis must not be computed on a partial set of judgments.
     */
    private <T> List<T> answers(int n, Call call, Function<JsonNode, T> answer) {
        if (n == 0) {
            return List.of();
        }
        String body;
        try {
            body = call.get();
        } catch (WebApplicationException e) {
            throw new JudgeUnavailableException("judge-service at " + url + " answered HTTP "
                    + e.getResponse().getStatus() + ": " + problemDetail(e), e);
        }
        Object[] out = new Object[n];
        boolean[] seen = new boolean[n];
        for (String line : body.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode l;
            try {
                l = JSON.readTree(line);
            } catch (IOException e) {
                throw new JudgeUnavailableException("judge-service at " + url + " sent an unreadable line: " + line, e);
            }
            int i = l.path("index").asInt(-1);
            if (i < 0 || i >= n) {
                throw new JudgeUnavailableException("judge-service at " + url + " answered for item " + i
                        + " of a batch of " + n, null);
            }
            if (l.hasNonNull("error")) {
                throw new JudgeUnavailableException("judge-service at " + url + " failed on an item: "
                        + l.get("error").asText(), null);
            }
            JsonNode j = l.path("judgment");
            String status = j.path("status").asText("");
            if (status.equals("error")) {
                throw new JudgeUnavailableException("judge-service at " + url + " could not ask its judge: "
                        + j.path("error").asText("no reason given"), null);
            }
            seen[i] = true;
            out[i] = status.equals("ok") ? answer.apply(j.path("answer")) : null;
        }
        for (int i = 0; i < n; i++) {
            if (!seen[i]) {
                throw new JudgeUnavailableException("judge-service at " + url + " left item " + i + " of " + n
                        + " unanswered", null);
            }
        }
        @SuppressWarnings("unchecked")
        List<T> list = (List<T>) new ArrayList<>(Arrays.asList(out));
        return list;
    }

    private static String problemDetail(WebApplicationException e) {
        try {
            String body = e.getResponse().readEntity(String.class);
            JsonNode p = JSON.readTree(body);
            return p.path("detail").asText(body);
        } catch (RuntimeException | IOException ex) {
            return e.getMessage();
        }
    }

    /** Turns what fault tolerance gives up on into the reason an analysis fails with. */
    JudgeUnavailableException unavailable(Throwable t) {
        if (t instanceof JudgeUnavailableException j) {
            return j;
        }
        if (t instanceof TimeoutException) {
            return new JudgeUnavailableException("judge-service at " + url + " did not answer in time", t);
        }
        // the cause (a connection refused, a DNS failure) is for the operator's log; the analysis
        // tells its user what failed, not the exception
        org.jboss.logging.Logger.getLogger(JudgeRestClient.class).warnf(t, "judge-service at %s is unreachable", url);
        return new JudgeUnavailableException("judge-service at " + url + " is unreachable", t);
    }
}
