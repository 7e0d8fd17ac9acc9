package io.distillab.metrics;

import static io.distillab.service.support.testing.TestAuth.givenAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(MetricsTestProfile.class)
class DatasetApiTest {
    private static final String PROBLEM = "application/problem+json";

    @Test
    void createListGetAndDelete() {
        String name = "crud-" + System.nanoTime();
        long id = givenAdmin().contentType(ContentType.JSON).body(Map.of("name", name, "description", "d"))
                .when().post("/api/v1/datasets").then().statusCode(201)
                .header("Location", containsString("/api/v1/datasets/"))
                .body("name", equalTo(name)).body("trajectories", equalTo(0)).extract().jsonPath().getLong("id");
        givenAdmin().queryParam("name", name).when().get("/api/v1/datasets").then().statusCode(200)
                .body("items.name", hasItem(name)).body("total", equalTo(1));
        givenAdmin().when().get("/api/v1/datasets/" + id).then().statusCode(200).body("description", equalTo("d"));
        givenAdmin().contentType(ContentType.JSON).body(Map.of("name", name)).when().post("/api/v1/datasets")
                .then().statusCode(409).contentType(PROBLEM).body("detail", containsString(name));
        givenAdmin().when().delete("/api/v1/datasets/" + id).then().statusCode(204);
        givenAdmin().when().get("/api/v1/datasets/" + id).then().statusCode(404).contentType(PROBLEM);
        givenAdmin().when().delete("/api/v1/datasets/" + id).then().statusCode(404).contentType(PROBLEM);
    }

    @Test
    void badDatasetRequestsNameTheField() {
        givenAdmin().contentType(ContentType.JSON).body(Map.of("name", " ")).when().post("/api/v1/datasets")
                .then().statusCode(400).contentType(PROBLEM).body("field", equalTo("name"));
        givenAdmin().contentType(ContentType.JSON).body("{\"name\": [1]}").when().post("/api/v1/datasets")
                .then().statusCode(400).contentType(PROBLEM).body("field", equalTo("name"));
        givenAdmin().contentType(ContentType.JSON).body("{not json").when().post("/api/v1/datasets")
                .then().statusCode(400).contentType(PROBLEM);
        givenAdmin().when().get("/api/v1/datasets/abc").then().statusCode(404);
    }

    @Test
    void uploadStoresEveryRecordWithModelsAndTasks() throws Exception {
        long id = TestData.newDataset("upload");
        JsonPath up = TestData.upload(id, TestData.tauBench(), "tau-bench", null);
        assertEquals(200, up.getInt("trajectories"));
        assertEquals(Files.size(TestData.tauBench()), up.getLong("bytes"));
        assertEquals("gpt-4o", up.getString("models[0]"));
        givenAdmin().when().get("/api/v1/datasets/" + id + "/models").then().statusCode(200)
                .body("items", hasSize(1)).body("items[0].name", equalTo("gpt-4o")).body("items[0].trajectories", equalTo(200))
                .body("items[0].tasks", equalTo(50));
        givenAdmin().queryParam("size", 50).when().get("/api/v1/datasets/" + id + "/tasks").then().statusCode(200)
                .body("items", hasSize(50)).body("total", equalTo(50)).body("items[0].trajectories", equalTo(4))
                .body("items[0].models", equalTo(1));
        // the model query parameter overrides the file's model name
        TestData.upload(id, TestData.toolBench("G1_answer").resolve("10_ChatGPT_DFS_woFilter_w2.json"),
                "toolbench", "renamed");
        givenAdmin().when().get("/api/v1/datasets/" + id + "/models").then().body("items.name", hasItem("renamed"));
        givenAdmin().when().get("/api/v1/datasets/" + id + "/uploads").then().statusCode(200).body("items", hasSize(2))
                .body("items[1].models[0]", equalTo("renamed"));
        givenAdmin().when().get("/api/v1/datasets/" + id).then().body("trajectories", equalTo(201))
                .body("models", equalTo(2)).body("uploads", equalTo(2));
    }

    @Test
    void theTrajectoriesComeBackAsChatJsonlThatTheImporterReadsAsTheOriginal() throws Exception {
        long id = TestData.newDataset("export");
        TestData.upload(id, TestData.tauBench(), "tau-bench", null);
        TestData.upload(id, TestData.toolBench("G1_answer").resolve("10_ChatGPT_DFS_woFilter_w2.json"), "toolbench",
                "other");
        String all = givenAdmin().when().get("/api/v1/datasets/" + id + "/trajectories").then().statusCode(200)
                .contentType(startsWith("application/x-ndjson")).extract().asString();
        assertEquals(201, all.lines().count());
        String gpt = givenAdmin().queryParam("model", "gpt-4o").when().get("/api/v1/datasets/" + id + "/trajectories")
                .then().statusCode(200).extract().asString();
        // read back by the chat-jsonl importer, the export gives the calls of a direct import of the file
        java.util.List<String> exported = new java.util.ArrayList<>();
        io.distillab.core.importer.TrajectoryImporter.importStream(
                new java.io.ByteArrayInputStream(gpt.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "export.jsonl",
                io.distillab.core.importer.TrajectoryFormat.CHAT_JSONL, null,
                t -> exported.add(calls(t)));
        java.util.List<String> direct = new java.util.ArrayList<>();
        io.distillab.core.importer.TrajectoryImporter.importPath(TestData.tauBench(),
                io.distillab.core.importer.TrajectoryFormat.TAU_BENCH, null,
                t -> direct.add(calls(t)));
        assertEquals(200, exported.size());
        assertEquals(direct, exported);
        givenAdmin().when().get("/api/v1/datasets/987654/trajectories").then().statusCode(404);
    }

    /** A trajectory's task, trial and calls (name, arguments, output, error; ids are renumbered in the export). */
    private static String calls(io.distillab.core.trajectory.Trajectory t) {
        return t.task() + "/" + t.trial() + ":" + t.calls().stream()
                .map(c -> c.name() + c.arguments() + "=>" + c.output() + (c.error() ? "!" : "")).toList();
    }

    @Test
    void aBadRecordIsRejectedNamingRecordAndFieldAndNothingOfTheFileIsStored() throws Exception {
        long id = TestData.newDataset("bad");
        ObjectMapper json = new ObjectMapper();
        ArrayNode records = (ArrayNode) json.readTree(TestData.tauBench().toFile());
        records.addAll(records.deepCopy());
        records.addAll(records.deepCopy());
        // 800 records, about 16 MB: record 750 comes after the first COPY batches went to the database
        ((ObjectNode) records.get(750)).put("reward", "high");
        byte[] body = json.writeValueAsBytes(records);
        givenAdmin().contentType("application/json").body(body).queryParam("format", "tau-bench")
                .queryParam("filename", "gpt-4o-airline.json")
                .when().post("/api/v1/datasets/" + id + "/trajectories").then().statusCode(400).contentType(PROBLEM)
                .body("record", equalTo("record 750")).body("field", equalTo("reward"))
                .body("file", equalTo("gpt-4o-airline.json"))
                .body("detail", startsWith("gpt-4o-airline.json: record 750: field 'reward'"));
        givenAdmin().when().get("/api/v1/datasets/" + id).then().statusCode(200)
                .body("trajectories", equalTo(0)).body("uploads", equalTo(0)).body("models", equalTo(0))
                .body("tasks", equalTo(0));
    }

    @Test
    void badUploadParametersAndBodies() throws Exception {
        long id = TestData.newDataset("params");
        byte[] file = Files.readAllBytes(TestData.tauBench());
        givenAdmin().contentType("application/json").body(file).when().post("/api/v1/datasets/" + id + "/trajectories")
                .then().statusCode(400).contentType(PROBLEM).body("field", equalTo("format"));
        givenAdmin().contentType("application/json").body(file).queryParam("format", "csv")
                .when().post("/api/v1/datasets/" + id + "/trajectories")
                .then().statusCode(400).contentType(PROBLEM).body("field", equalTo("format"))
                .body("detail", containsString("tau-bench"));
        givenAdmin().contentType("application/json").body(file).queryParam("format", "tau-bench").queryParam("model", " ")
                .when().post("/api/v1/datasets/" + id + "/trajectories")
                .then().statusCode(400).contentType(PROBLEM).body("field", equalTo("model"));
        givenAdmin().contentType("application/json").body("[{\"task_id\": 1,").queryParam("format", "tau-bench")
                .when().post("/api/v1/datasets/" + id + "/trajectories")
                .then().statusCode(400).contentType(PROBLEM).body("detail", containsString("not valid JSON"));
        givenAdmin().contentType("application/json").body("{\"model\": \"m\"}\n").queryParam("format", "chat-jsonl")
                .queryParam("filename", "runs.jsonl")
                .when().post("/api/v1/datasets/" + id + "/trajectories")
                .then().statusCode(400).contentType(PROBLEM).body("record", equalTo("line 1"))
                .body("field", equalTo("task"));
        givenAdmin().contentType("application/json").body(file).queryParam("format", "tau-bench")
                .when().post("/api/v1/datasets/999999/trajectories").then().statusCode(404).contentType(PROBLEM);
        givenAdmin().when().get("/api/v1/datasets/999999/models").then().statusCode(404).contentType(PROBLEM);
        givenAdmin().when().get("/api/v1/datasets/999999/tasks").then().statusCode(404).contentType(PROBLEM);
        givenAdmin().when().get("/api/v1/datasets/" + id).then().body("trajectories", equalTo(0));
        assertTrue(file.length > 1_000_000);
    }
}
