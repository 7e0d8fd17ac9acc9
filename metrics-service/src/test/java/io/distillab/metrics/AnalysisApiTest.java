package io.distillab.metrics;

import static io.distillab.service.support.testing.TestAuth.givenAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.analysis.AnalysisOptions;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(MetricsTestProfile.class)
class AnalysisApiTest {
    private static final String PROBLEM = "application/problem+json";

    /** Every bundled file: the tau-bench results and the ToolBench answer folders (one file per upload). */
    static long bundledDataset() throws Exception {
        long id = TestData.newDataset("bundled");
        TestData.upload(id, TestData.tauBench(), "tau-bench", null);
        for (String g : List.of("G1_answer", "G2_answer", "G3_answer")) {
            try (Stream<Path> files = Files.list(TestData.toolBench(g))) {
                for (Path f : files.sorted().toList()) {
                    TestData.upload(id, f, "toolbench", null);
                }
            }
        }
        return id;
    }

    @Test
    void numbersThroughTheServiceEqualTheInProcessOnesOnTheBundledData() throws Exception {
        long dataset = bundledDataset();
        long plain = TestData.submit(Map.of("dataset", dataset));
        long full = TestData.submit(Map.of("dataset", dataset, "ged", true, "bootstrap", 200, "seed", 7,
                "weights", List.of(0.5, 0.25, 0.25), "splitTrials", true));
        assertEquals("done", TestData.await(plain, Duration.ofMinutes(2)).getString("status"));
        JsonPath fullView = TestData.await(full, Duration.ofMinutes(3));
        assertEquals("done", fullView.getString("status"), fullView.prettify());

        Object[] files = allBundledFiles();
        JsonNode expectedPlain = InProcess.analyze(AnalysisOptions.defaults(), UnaryOperator.identity(), t -> { },
                files);
        assertEquals(expectedPlain, InProcess.JSON.readTree(TestData.result(plain)));
        AnalysisOptions o = AnalysisOptions.defaults().withGed(true).withBootstrap(200, 7).withWeights(0.5, 0.25, 0.25);
        JsonNode expectedFull = InProcess.analyze(o, t -> t.withModel(t.model() + "/trial-" + t.trial()), t -> { },
                files);
        JsonNode actualFull = InProcess.JSON.readTree(TestData.result(full));
        assertEquals(expectedFull, actualFull);
        assertTrue(actualFull.path("models").size() > 4, actualFull.path("models").toString());

        givenAdmin().when().get("/api/v1/analyses/" + full).then().statusCode(200)
                .body("progress.done", equalTo(fullView.getInt("progress.total"))).body("attempts", equalTo(1))
                .body("parameters.splitTrials", equalTo(true)).body("parameters.edges", equalTo("candidate"))
                .body("links.report", equalTo("/api/v1/analyses/" + full + "/report"));
        givenAdmin().when().get("/api/v1/analyses/" + full + "/report").then().statusCode(200)
                .contentType(containsString("text/html")).body(containsString("<svg id=\"heatmap-ags\""))
                .body(containsString("heatmap-ged")).body(containsString("class=\"feature-bars\""));
        givenAdmin().queryParam("dataset", dataset).queryParam("status", "done").when().get("/api/v1/analyses")
                .then().statusCode(200).body("items.id", hasItem((int) full));
    }

    private static Object[] allBundledFiles() throws Exception {
        List<Object> out = new java.util.ArrayList<>(List.of("tau-bench", TestData.tauBench()));
        for (String g : List.of("G1_answer", "G2_answer", "G3_answer")) {
            out.add("toolbench");
            out.add(TestData.toolBench(g));
        }
        return out.toArray();
    }

    @Test
    void modelsSubsetReferenceAndDeletion() throws Exception {
        long dataset = bundledDataset();
        long id = TestData.submit(Map.of("dataset", dataset, "models", List.of("gpt-4o", "ChatGPT_DFS_woFilter_w2"),
                "reference", "gpt-4o"));
        JsonPath v = TestData.await(id, Duration.ofMinutes(2));
        assertEquals("done", v.getString("status"));
        JsonNode r = InProcess.JSON.readTree(TestData.result(id));
        assertEquals(List.of("ChatGPT_DFS_woFilter_w2", "gpt-4o"),
                InProcess.JSON.convertValue(r.get("models"), List.class));
        assertEquals(3, r.get("pairs").size());
        givenAdmin().when().delete("/api/v1/analyses/" + id).then().statusCode(204);
        givenAdmin().when().get("/api/v1/analyses/" + id).then().statusCode(404).contentType(PROBLEM);
        givenAdmin().when().get("/api/v1/analyses/" + id + "/result").then().statusCode(404).contentType(PROBLEM);
        givenAdmin().when().delete("/api/v1/analyses/" + id).then().statusCode(404).contentType(PROBLEM);
    }

    @Test
    void badAnalysisRequestsNameTheField() throws Exception {
        long dataset = TestData.newDataset("bad-analysis");
        TestData.upload(dataset, TestData.tauBench(), "tau-bench", null);
        Map<String, Map<String, Object>> cases = Map.of(
                "dataset", Map.of("models", List.of("gpt-4o")),
                "weights", Map.of("dataset", dataset, "weights", List.of(1, 2)),
                "weights[1]", Map.of("dataset", dataset, "weights", List.of(1, -2, 0)),
                "edges", Map.of("dataset", dataset, "edges", "guessed"),
                "bootstrap", Map.of("dataset", dataset, "bootstrap", -1),
                "models[1]", Map.of("dataset", dataset, "models", List.of("gpt-4o", "gpt-5")),
                "reference", Map.of("dataset", dataset, "reference", "gpt-5"),
                "direction", Map.of("dataset", dataset, "direction", List.of("gpt-4o")),
                "toolClasses.book", Map.of("dataset", dataset, "toolClasses", Map.of("book", "WRIT")));
        for (Map.Entry<String, Map<String, Object>> c : cases.entrySet()) {
            givenAdmin().contentType(ContentType.JSON).body(c.getValue()).when().post("/api/v1/analyses")
                    .then().statusCode(400).contentType(PROBLEM).body("field", equalTo(c.getKey()));
        }
        givenAdmin().contentType(ContentType.JSON).body("{\"dataset\": \"one\"}").when().post("/api/v1/analyses")
                .then().statusCode(400).contentType(PROBLEM).body("field", equalTo("dataset"));
        givenAdmin().contentType(ContentType.JSON).body(Map.of("dataset", 999999)).when().post("/api/v1/analyses")
                .then().statusCode(400).contentType(PROBLEM).body("field", equalTo("dataset"));
        long empty = TestData.newDataset("empty");
        givenAdmin().contentType(ContentType.JSON).body(Map.of("dataset", empty)).when().post("/api/v1/analyses")
                .then().statusCode(400).contentType(PROBLEM).body("detail", containsString("no trajectories"));
        givenAdmin().queryParam("status", "sleeping").when().get("/api/v1/analyses").then().statusCode(400)
                .contentType(PROBLEM).body("field", equalTo("status"));
        givenAdmin().when().get("/api/v1/analyses/999999").then().statusCode(404).contentType(PROBLEM);
        givenAdmin().when().get("/api/v1/analyses/999999/report").then().statusCode(404);
        givenAdmin().when().get("/api/v1/analyses").then().statusCode(200).body("items.status", not(hasItem("bogus")));
    }
}
