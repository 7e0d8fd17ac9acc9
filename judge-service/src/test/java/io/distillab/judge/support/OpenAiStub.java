package io.distillab.judge.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.util.List;

/**
 * A real HTTP server speaking OpenAI's chat-completions protocol (WireMock), for the LLM judge's
 * tests and the benchmark. Stubs match on a marker the test puts into its input text, so tests
 * sharing the server cannot answer each other's requests.
 */
public final class OpenAiStub {
    public static final String PATH = "/v1/chat/completions";
    /** The key the tests configure; it must reach the server and never a log. */
    public static final String API_KEY = "test-secret-key-5f3a9c";
    public static final String MODEL = "judge-test-model";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WireMockServer server;

    private OpenAiStub(WireMockServer server) {
        this.server = server;
    }

    public static OpenAiStub start() {
        WireMockServer server = new WireMockServer(WireMockConfiguration.options()
                .dynamicPort()
                // Enough for the benchmark's 64 concurrent requests; delayed answers are
                // scheduled, not slept on a request thread.
                .containerThreads(160)
                .asynchronousResponseEnabled(true)
                .asynchronousResponseThreads(16));
        // No maxRequestJournalEntries: with a cap WireMock sizes its journal, a linked deque
        // walked in full, on every request; that dominated the benchmark's CPU profile.
        server.start();
        return new OpenAiStub(server);
    }

    public String baseUrl() {
        return "http://localhost:" + server.port() + "/v1/";
    }

    public void stop() {
        server.stop();
    }

    /** Every request whose body contains {@code marker} gets {@code content} as the assistant answer. */
    public void answer(String marker, String content) {
        server.stubFor(forMarker(marker).willReturn(completion(content)));
    }

    /** Like {@link #answer} after a delay (the benchmark's simulated latency). */
    public void answerAfter(String marker, String content, int delayMillis) {
        server.stubFor(forMarker(marker).willReturn(completion(content).withFixedDelay(delayMillis)));
    }

    /** Answers retries (whose prompt carries the parse error) differently from first asks. */
    public void answerRetry(String marker, String content) {
        server.stubFor(forMarker(marker).withRequestBody(containing("It was rejected")).atPriority(1)
                .willReturn(completion(content)));
    }

    /** The given responses in turn, then {@code last} for ever (a WireMock scenario). */
    public void sequence(String marker, List<ResponseDefinitionBuilder> first, ResponseDefinitionBuilder last) {
        String scenario = "sequence-" + marker;
        String state = Scenario.STARTED;
        for (int i = 0; i < first.size(); i++) {
            String next = "step-" + (i + 1);
            server.stubFor(forMarker(marker).inScenario(scenario).whenScenarioStateIs(state)
                    .willReturn(first.get(i)).willSetStateTo(next));
            state = next;
        }
        server.stubFor(forMarker(marker).inScenario(scenario).whenScenarioStateIs(state).willReturn(last));
    }

    public void fail(String marker, int status) {
        server.stubFor(forMarker(marker).willReturn(status(status)));
    }

    /** Requests received whose body contains {@code marker}. */
    public int count(String marker) {
        return server.countRequestsMatching(postRequestedFor(urlEqualTo(PATH))
                .withRequestBody(containing(marker)).build()).getCount();
    }

    public List<LoggedRequest> requests(String marker) {
        return server.findAll(postRequestedFor(urlEqualTo(PATH)).withRequestBody(containing(marker)));
    }

    public static ResponseDefinitionBuilder completion(String content) {
        ObjectNode body = JSON.createObjectNode();
        body.put("id", "chatcmpl-test").put("object", "chat.completion").put("created", 1_700_000_000L)
                .put("model", MODEL);
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0).put("finish_reason", "stop");
        choice.putObject("message").put("role", "assistant").put("content", content);
        body.putObject("usage").put("prompt_tokens", 100).put("completion_tokens", 20).put("total_tokens", 120);
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body.toString());
    }

    public static ResponseDefinitionBuilder status(int status) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"stubbed " + status + "\",\"type\":\"test\"}}");
    }

    private static MappingBuilder forMarker(String marker) {
        return post(urlEqualTo(PATH)).withRequestBody(containing(marker));
    }
}
