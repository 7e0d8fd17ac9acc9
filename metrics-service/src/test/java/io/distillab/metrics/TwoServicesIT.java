package io.distillab.metrics;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.distillab.cli.Distillab;
import io.distillab.service.support.testing.PackagedService;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The packaged judge-service and metrics-service together, judge-service's LLM judge pointed at a
 * provider (WireMock) that refuses or fails every call and echoes the key it was sent, as OpenAI and
 * some gateways do:
 * <ul>
 *   <li>secrets never shown: with a fake provider key, API keys made and given, and fake bearer
 *       tokens, bad logins, provider failures, bad uploads and a failing analysis leave none of them
 *       in any response (status, headers, body) nor in any log line or file;</li>
 *   <li>{@code distillab bench load}: 10 seconds of its mixed load, nothing lost.</li>
 * </ul>
 * Needs both services packaged (failsafe; this module's build orders judge-service first).
 */
class TwoServicesIT {
    static final Duration STARTUP = Duration.ofMinutes(3);
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final String PROVIDER_KEY = "sk-test-SECRET123providerkey456";
    static final String FAKE_TOKEN = "fake-bearer-SECRET789token";
    static final String FAKE_DLK = "dlk_SECRETnotAKeyWeMade0123456789";
    static final String BASIC_PASSWORD = "basic-SECRET-password";

    @TempDir
    static Path work;
    static WireMockServer provider;
    static PackagedService judge;
    static PackagedService metrics;
    static String judgeWriterKey;
    static String metricsWriterKey;

    @BeforeAll
    static void start() throws Exception {
        provider = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        provider.start();
        String refusal = "{\"error\":{\"message\":\"Incorrect API key provided: " + PROVIDER_KEY
                + ". You can find your API key at https://platform.openai.com/account/api-keys.\","
                + "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}";
        provider.stubFor(post(urlPathMatching(".*/chat/completions")).atPriority(5)
                .willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json").withBody(refusal)));
        provider.stubFor(post(urlPathMatching(".*/chat/completions")).atPriority(1)
                .withRequestBody(containing("PROVIDER-DOWN"))
                .willReturn(aResponse().withStatus(500).withHeader("Content-Type", "text/plain")
                        .withBody("gateway error; request had Authorization: Bearer " + PROVIDER_KEY)));

        judge = PackagedService.of(TestData.root().resolve("judge-service"), work.resolve("judge-home"))
                .environment("QUARKUS_LANGCHAIN4J_OPENAI_API_KEY", PROVIDER_KEY)
                .property("distillab.judge.llm.enabled", "true")
                .property("quarkus.langchain4j.openai.base-url", provider.baseUrl() + "/v1/")
                .property("io.distillab.judge.provider.ProviderGuard/call/Retry/maxRetries", "1")
                .property("io.distillab.judge.provider.ProviderGuard/call/Retry/delay", "100")
                .property("quarkus.log.category.\"io.distillab\".level", "DEBUG")
                .jvmOption("-Xmx768m");
        judge.start().awaitReady(STARTUP);
        judgeWriterKey = createKey(judge, "metrics-service", "writer");

        metrics = PackagedService.of(TestData.root().resolve("metrics-service"), work.resolve("metrics-home"))
                .environment("DISTILLAB_JUDGE_API_KEY", judgeWriterKey)
                .property("quarkus.rest-client.judge.url", judge.url(""))
                .property("distillab.worker.poll", "200ms")
                .property("quarkus.log.category.\"io.distillab\".level", "DEBUG")
                .jvmOption("-Xmx512m");
        metrics.start().awaitReady(STARTUP);
        metricsWriterKey = createKey(metrics, "ci", "writer");
    }

    @AfterAll
    static void stop() {
        if (metrics != null) {
            metrics.close();
        }
        if (judge != null) {
            judge.close();
        }
        if (provider != null) {
            provider.stop();
        }
    }

    // ------------------------------------------------------------------------------------------

    @Test
    void noSecretInAnyResponseOrLogLine() throws Exception {
        List<String> responses = new ArrayList<>();
        // bad logins: a made-up bearer token, a made-up API key, Basic credentials, a token with no scheme
        for (PackagedService s : List.of(metrics, judge)) {
            String path = s == metrics ? "/api/v1/datasets" : "/api/v1/api-keys";
            for (String authorization : List.of("Bearer " + FAKE_TOKEN, "Bearer " + FAKE_DLK, FAKE_TOKEN,
                    "Basic " + Base64.getEncoder().encodeToString(("admin:" + BASIC_PASSWORD).getBytes(StandardCharsets.UTF_8)))) {
                HttpResponse<String> r = send(s, "GET", path, authorization, null, null);
                assertEquals(401, r.statusCode(), r.body());
                responses.add(text(r));
            }
        }
        // the provider refuses the key (401, echoing it) and fails (500, echoing the header)
        HttpResponse<String> refused = send(judge, "POST", "/api/v1/stages", "Bearer " + judgeWriterKey,
                "application/json", "{\"text\":\"I will check the reservation.\",\"judge\":\"llm\"}");
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("[redacted]"), "the provider's echo should be there, redacted: " + refused.body());
        responses.add(text(refused));
        HttpResponse<String> down = send(judge, "POST", "/api/v1/stages", "Bearer " + judgeWriterKey,
                "application/json", "{\"text\":\"PROVIDER-DOWN now\",\"judge\":\"llm\"}");
        assertEquals(503, down.statusCode(), down.body());
        responses.add(text(down));
        responses.add(text(send(judge, "POST", "/api/v1/stages/batch", "Bearer " + judgeWriterKey, "application/json",
                "{\"items\":[{\"text\":\"first\",\"judge\":\"llm\"},{\"text\":\"PROVIDER-DOWN second\",\"judge\":\"llm\"}]}")));
        responses.add(text(send(judge, "POST", "/api/v1/stages", "Bearer " + judgeWriterKey, "application/json",
                "{\"text\": 12, \"judge\": \"nobody\"}")));
        provider.verify(postRequestedFor(urlPathMatching(".*/chat/completions")));

        // bad uploads and requests on metrics-service
        long dataset = JSON.readTree(send(metrics, "POST", "/api/v1/datasets", "Bearer " + metricsWriterKey,
                "application/json", "{\"name\":\"secrets\"}").body()).get("id").asLong();
        for (String body : List.of("not json at all", "[{\"task_id\": 7}]", "{")) {
            HttpResponse<String> r = send(metrics, "POST", "/api/v1/datasets/" + dataset
                    + "/trajectories?format=tau-bench", "Bearer " + metricsWriterKey, "application/octet-stream", body);
            assertEquals(400, r.statusCode(), r.body());
            responses.add(text(r));
        }
        responses.add(text(send(metrics, "POST", "/api/v1/datasets/" + dataset + "/trajectories?format=nope",
                "Bearer " + metricsWriterKey, "application/octet-stream", "[]")));
        responses.add(text(send(metrics, "DELETE", "/api/v1/datasets/" + dataset, "Bearer " + metricsWriterKey, null, null)));
        responses.add(text(send(metrics, "GET", "/api/v1/api-keys", "Bearer " + metrics.adminKey(), null, null)));
        responses.add(text(send(judge, "GET", "/api/v1/api-keys", "Bearer " + judge.adminKey(), null, null)));

        // an analysis whose RPS needs the failing LLM judge: it fails with a reason meant for users
        HttpResponse<String> uploaded = send(metrics, "POST", "/api/v1/datasets/" + dataset
                        + "/trajectories?format=tau-bench&filename=gpt-4o-airline.json", "Bearer " + metricsWriterKey,
                "application/octet-stream", Files.readString(TestData.tauBench()));
        assertEquals(201, uploaded.statusCode(), uploaded.body());
        HttpResponse<String> submitted = send(metrics, "POST", "/api/v1/analyses", "Bearer " + metricsWriterKey,
                "application/json", JSON.writeValueAsString(Map.of("dataset", dataset, "rps", true, "judge", "llm")));
        assertEquals(202, submitted.statusCode(), submitted.body());
        long analysis = JSON.readTree(submitted.body()).get("id").asLong();
        JsonNode failed = awaitFinished(analysis);
        assertEquals("failed", failed.get("status").asText(), failed.toString());
        responses.add(text(send(metrics, "GET", "/api/v1/analyses/" + analysis, "Bearer " + metricsWriterKey, null, null)));
        responses.add(text(send(metrics, "GET", "/api/v1/analyses/" + analysis + "/result", "Bearer " + metricsWriterKey,
                null, null)));

        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("provider key", PROVIDER_KEY);
        secrets.put("provider key's secret part", "SECRET123providerkey");
        secrets.put("fake bearer token", FAKE_TOKEN);
        secrets.put("fake API key", FAKE_DLK);
        secrets.put("Basic password", BASIC_PASSWORD);
        secrets.put("judge-service key given to metrics-service", judgeWriterKey);
        secrets.put("metrics-service writer key", metricsWriterKey);
        secrets.put("metrics-service admin key", metrics.adminKey());
        secrets.put("judge-service admin key", judge.adminKey());
        List<String> found = new ArrayList<>();
        for (int i = 0; i < responses.size(); i++) {
            for (var s : secrets.entrySet()) {
                if (responses.get(i).contains(s.getValue())) {
                    found.add(s.getKey() + " in response " + i + ": " + responses.get(i));
                }
            }
        }
        // every file the services wrote (logs; the admin-key files and PostgreSQL's data aside) and their stdout/stderr
        for (PackagedService s : List.of(metrics, judge)) {
            String log = s.logText();
            for (var secret : secrets.entrySet()) {
                int times = occurrences(log, secret.getValue());
                // the local admin key is printed once on standard output at the first start, by design
                int allowed = secret.getValue().equals(s.adminKey()) ? 1 : 0;
                if (times > allowed) {
                    found.add(secret.getKey() + " " + times + " time(s) in the output of " + s.log().getFileName());
                }
            }
            try (Stream<Path> files = Files.walk(s.home())) {
                for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.equals(s.log()))
                        .filter(f -> !f.equals(s.adminKeyFile())).filter(f -> !f.toString().contains("/postgres/")).toList()) {
                    String content = Files.readString(f, StandardCharsets.ISO_8859_1);
                    secrets.forEach((what, value) -> {
                        if (content.contains(value)) {
                            found.add(what + " in file " + f);
                        }
                    });
                }
            }
        }
        assertEquals(List.of(), found);
        assertEquals(1, occurrences(metrics.logText(), metrics.adminKey()), "the admin key's one designed print");
    }

    // ------------------------------------------------------------------------------------------

    @Test
    void benchLoadSmokeRunsTheMixAndLosesNothing() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Distillab.newCommandLine("bench").setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        Path json = work.resolve("load.json");
        int code = cl.execute("bench", "load", "--metrics", metrics.url("/"), "--judge", judge.url("/"),
                "--metrics-token", metrics.adminKey(), "--judge-token", judgeWriterKey,
                "--rate", "10", "--duration", "10s", "--sample-every", "5s",
                "--metrics-pid", String.valueOf(metrics.pid()), "--judge-pid", String.valueOf(judge.pid()),
                "--data", TestData.tauBench().toString(), "--json", json.toString());
        assertEquals(0, code, out + "\n" + err);
        JsonNode r = JSON.readTree(json.toFile());
        // 10 s at 10/s: 100 requests are due; all answered, none lost
        assertEquals(100, r.get("requests").asInt(), r.toString());
        assertEquals(0, r.get("errors").asInt(), r.toString());
        assertEquals(0, r.get("uploads_lost").asInt());
        assertEquals(r.get("trajectories_expected").asLong(), r.get("trajectories").asLong());
        for (String kind : List.of("list", "result", "judge-batch", "upload")) {
            assertTrue(r.get("kinds").get(kind).get("requests").asInt() > 0, kind + " never drawn: " + r);
        }
        JsonNode first = r.get("memory").get(0);
        assertTrue(first.get("metrics_rss_mb").asDouble() > 50, first.toString());
        assertTrue(first.get("judge_heap_mb").asDouble() > 1, first.toString());
        assertTrue(out.toString().contains("p99 ms"), out.toString());
    }

    // ------------------------------------------------------------------------------------------

    static String createKey(PackagedService s, String name, String role) throws Exception {
        HttpResponse<String> r = send(s, "POST", "/api/v1/api-keys", "Bearer " + s.adminKey(), "application/json",
                JSON.writeValueAsString(Map.of("name", name, "role", role)));
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("key").asText();
    }

    static JsonNode awaitFinished(long analysis) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            JsonNode v = JSON.readTree(send(metrics, "GET", "/api/v1/analyses/" + analysis, "Bearer " + metricsWriterKey,
                    null, null).body());
            String status = v.get("status").asText();
            if (status.equals("done") || status.equals("failed")) {
                return v;
            }
            assertTrue(System.nanoTime() < deadline, "analysis still " + status);
            Thread.sleep(200);
        }
    }

    static HttpResponse<String> send(PackagedService s, String method, String path, String authorization,
                                     String contentType, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url(path))).timeout(Duration.ofMinutes(2))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Status, headers and body, as one text to search. */
    static String text(HttpResponse<String> r) {
        return r.statusCode() + " " + r.headers().map() + "\n" + r.body();
    }

    static int occurrences(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
