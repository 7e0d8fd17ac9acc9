package io.distillab.trainer;

import static io.distillab.service.support.testing.TestAuth.givenAdmin;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.trainer.queue.Scheduler;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every REST endpoint of jobs, and each refusal, against the scripted engine. */
@QuarkusTest
@TestProfile(TrainerTestProfile.class)
class JobApiTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    Scheduler scheduler;

    @BeforeAll
    static void servedDataset() throws Exception {
        TestData.useDoubles();
        TestMetricsService.dataset(41, TestData.chatJsonl(4));
    }

    @AfterEach
    void normalSpeed() {
        ScriptedTrainingEngine.stepMillis = 0;
    }

    @Test
    void anUploadedJobRunsToTheEndAndEveryResourceShowsIt() throws Exception {
        var response = givenAdmin().contentType("application/x-ndjson").queryParam("parameters", TestData.json(
                        TestData.params("name", "upload", "seed", 3)))
                .queryParam("filename", "small.jsonl").body(TestData.smallUpload())
                .when().post("/api/v1/jobs").then().statusCode(202)
                .header("Location", startsWith("http")).body("status", equalTo("queued"))
                .body("parameters.batchSize", equalTo(2)).extract();
        long id = response.jsonPath().getLong("id");
        assertTrue(response.header("Location").endsWith("/api/v1/jobs/" + id));

        JsonPath done = TestData.await(id, WAIT);
        assertEquals("succeeded", done.getString("status"), done.prettify());
        assertEquals(6, done.getLong("step"));
        assertEquals(6, done.getLong("totalSteps"));
        assertEquals(4, done.getLong("checkpointStep"));
        assertEquals(ScriptedTrainingEngine.loss(3, 6), done.getDouble("finalLoss"), 1e-12);
        assertEquals(6, done.getInt("latest.step"));
        assertEquals(1, done.getInt("attempts"));
        assertTrue(done.getString("placement").startsWith("cpu slot"), done.getString("placement"));

        // the loss curve, from the stored steps
        JsonPath loss = givenAdmin().get("/api/v1/jobs/" + id + "/loss").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(1, 2, 3, 4, 5, 6), loss.getList("steps"));
        for (int s = 1; s <= 6; s++) {
            assertEquals(ScriptedTrainingEngine.loss(3, s), loss.getDouble("loss[" + (s - 1) + "]"), 1e-12);
            assertEquals(0.6 * ScriptedTrainingEngine.loss(3, s), loss.getDouble("spans.reason.ce[" + (s - 1) + "]"), 1e-12);
        }
        // the engine's chart: loss, kl, ce, and the span series that are not 0 throughout (the scripted
        // engine reports CE on reason and action spans only)
        String svg = givenAdmin().get("/api/v1/jobs/" + id + "/loss.svg").then().statusCode(200)
                .contentType(containsString("image/svg+xml")).extract().asString();
        assertEquals(5, svg.split("<polyline", -1).length - 1, svg);
        assertTrue(svg.contains(">reason CE<") && svg.contains(">action CE<") && !svg.contains(">observation CE<"), svg);

        // state transitions: submitted, claimed, succeeded
        JsonPath history = givenAdmin().get("/api/v1/jobs/" + id + "/transitions").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("queued", "running", "succeeded"), history.getList("to"));

        // the report
        JsonPath report = givenAdmin().get("/api/v1/jobs/" + id + "/report").then().statusCode(200).extract().jsonPath();
        assertEquals(6, report.getInt("summary.steps"));
        assertEquals(600, report.getInt("summary.tokens"));
        assertEquals(ScriptedTrainingEngine.loss(3, 6), report.getDouble("summary.lastLoss"), 1e-12);
        assertEquals(List.of("config.json", "model.safetensors"), report.getList("student.files.name"));

        // a job without keepBest has no best student; which is final or best
        givenAdmin().queryParam("which", "best").get("/api/v1/jobs/" + id + "/student").then().statusCode(409)
                .body("detail", containsString("kept no best student"));
        givenAdmin().queryParam("which", "worst").get("/api/v1/jobs/" + id + "/student").then().statusCode(400)
                .body("field", equalTo("which"));
        // the student, zipped
        byte[] zip = givenAdmin().get("/api/v1/jobs/" + id + "/student").then().statusCode(200)
                .contentType("application/zip").header("Content-Disposition", containsString("job-" + id))
                .extract().asByteArray();
        Map<String, String> entries = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                entries.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertEquals(Files.readString(TrainerTestProfile.modelStore().resolve("models/tiny/config.json")),
                entries.get("config.json"));
        assertEquals("weights after 6 steps, seed 3", entries.get("model.safetensors"));

        // it is listed, and pages work
        givenAdmin().queryParam("status", "succeeded").get("/api/v1/jobs").then().statusCode(200)
                .body("items.id", hasItem((int) id));
        givenAdmin().queryParam("size", 1).get("/api/v1/jobs").then().statusCode(200).body("items.size()", equalTo(1))
                .body("size", equalTo(1));

        // it has ended: it cannot be cancelled
        givenAdmin().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(409).body("status", equalTo(409));

        // deleting it removes its files
        assertTrue(Files.isDirectory(TrainerTestProfile.modelStore().resolve("jobs/" + id)));
        givenAdmin().delete("/api/v1/jobs/" + id).then().statusCode(204);
        givenAdmin().get("/api/v1/jobs/" + id).then().statusCode(404).contentType("application/problem+json");
        assertFalse(Files.exists(TrainerTestProfile.modelStore().resolve("jobs/" + id)));
    }

    @Test
    void multipartAndDatasetSubmissions() throws Exception {
        long multipart = givenAdmin().multiPart("parameters", TestData.json(TestData.params()), "application/json")
                .multiPart("data", "small.jsonl", TestData.smallUpload(), "application/x-ndjson")
                .when().post("/api/v1/jobs").then().statusCode(202).extract().jsonPath().getLong("id");
        assertEquals("succeeded", TestData.await(multipart, WAIT).getString("status"));
        assertEquals(List.of("small.jsonl"), listing(TrainerTestProfile.modelStore().resolve("jobs/" + multipart + "/data")));

        List<String> lines = TestData.chatJsonl(4);
        TestMetricsService.dataset(41, lines);
        String model = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(0)).get("model").asText();
        int refusedBefore = TestMetricsService.unauthorized();
        long fromDataset = givenAdmin().contentType(ContentType.JSON)
                .body(TestData.params("dataset", 41, "datasetModel", model))
                .when().post("/api/v1/jobs").then().statusCode(202).extract().jsonPath().getLong("id");
        assertEquals("succeeded", TestData.await(fromDataset, WAIT).getString("status"));
        Path fetched = TrainerTestProfile.modelStore().resolve("jobs/" + fromDataset + "/data/dataset-41.jsonl");
        assertEquals(lines, Files.readAllLines(fetched));
        assertEquals(refusedBefore, TestMetricsService.unauthorized(),
                "every call to metrics-service carried distillab.metrics.api-key");

        refused(givenAdmin().contentType(ContentType.JSON).body(TestData.params("dataset", 999)), 400, "dataset");
        refused(givenAdmin().contentType(ContentType.JSON).body(TestData.params("dataset", 41, "datasetModel", "nobody")),
                400, "datasetModel");
    }

    @Test
    void eachRefusalNamesItsField() throws Exception {
        refusedJson(TestData.params("steps", null), 400, "steps");
        refusedJson(TestData.params("batchSize", 0), 400, "batchSize");
        refusedJson(TestData.params("batchsize", 2), 400, "batchsize");
        refusedJson(TestData.params("steps", "many"), 400, "steps");
        refusedJson(TestData.params("wKl", List.of(1, 0, 0), "wCe", List.of(0, 1, 0, 0)), 400, "wKl");
        refusedJson(TestData.params("wKl", List.of(1, 0, -1, 0), "wCe", List.of(0, 1, 0, 0)), 400, "wKl[2]");
        refusedJson(TestData.params("wKl", List.of(0, 0, 0, 0), "wCe", List.of(0, 0, 0, 0)), 400, "wCe");
        refusedJson(TestData.params("alpha", 1.5), 400, "alpha");
        refusedJson(TestData.params("preset", "best"), 400, "preset");
        refusedJson(TestData.params("student", "no-such-model"), 400, "student");
        refusedJson(TestData.params("student", "../etc"), 400, "student");
        Path configOnly = TrainerTestProfile.modelStore().resolve("models/config-only");
        Files.createDirectories(configOnly);
        Files.writeString(configOnly.resolve("config.json"), TestData.tinyGpt2Config());
        refusedJson(TestData.params("student", "config-only"), 400, "student");
        refusedJson(TestData.params("student", null), 400, "student");
        refusedJson(TestData.params("studentConfig", Map.of("model_type", "gpt2")), 400, "studentConfig");
        refusedJson(TestData.params("student", null, "studentConfig", Map.of("model_type", "bert"), "tokenizer", "gpt2"),
                400, "studentConfig.model_type");
        refusedJson(TestData.params("student", null, "studentConfig", Map.of("model_type", "gpt2")), 400, "tokenizer");
        refusedJson(TestData.params("teacher", "no-such-teacher"), 400, "teacher");
        refusedJson(TestData.params("teacherTopk", "no-such-set"), 400, "teacherTopk");
        refusedJson(TestData.params("tokenizer", "no-such-tokenizer"), 400, "tokenizer");
        refusedJson(TestData.params("merge", true), 400, "merge");
        refusedJson(TestData.params("warmup", 7), 400, "warmup");
        refusedJson(TestData.params("gradAccum", 3), 400, "gradAccum");
        refusedJson(TestData.params("order", "random"), 400, "order");
        refusedJson(TestData.params("device", "tpu"), 400, "device");
        refusedJson(TestData.params("evalFraction", 1.0), 400, "evalFraction");
        refusedJson(TestData.params("evalEvery", 2), 400, "evalEvery");
        refusedJson(TestData.params("evalFraction", 0.2, "evalEvery", 0), 400, "evalEvery");
        refusedJson(TestData.params("keepBest", true), 400, "keepBest");
        refusedJson(TestData.params("evalRows", 4, "evalFraction", 0.1), 400, "evalRows");
        refusedJson(TestData.params("evalRows", 0), 400, "evalRows");
        refusedJson(TestData.params("device", "cuda"), 422, "device");
        refusedJson(TestData.params("batchSize", ScriptedTrainingEngine.MEMORY_LIMIT_BATCH + 1), 422, "batchSize");
        refusedJson(TestData.params("format", "tau-bench"), 400, "format");
        refused(givenAdmin().contentType(ContentType.JSON).body("{\"steps\": "), 400, null);
        refused(givenAdmin().contentType("application/octet-stream").body(TestData.smallUpload()), 400, "parameters");
        refused(givenAdmin().contentType("application/octet-stream").queryParam("parameters",
                TestData.json(TestData.params("dataset", 3))).body(TestData.smallUpload()), 400, "dataset");
        refused(givenAdmin().contentType("application/octet-stream").queryParam("parameters", TestData.json(TestData.params()))
                .queryParam("filename", "bad name.json").body(TestData.smallUpload()), 400, "filename");
        // a record that core's importer refuses: the problem says which file, record and field
        String bad = TestData.chatJsonl(1).get(0) + "\n{\"model\": \"m\", \"messages\": 7}\n";
        // what core's importer says of the same bytes
        io.distillab.core.importer.ImportException expected = org.junit.jupiter.api.Assertions.assertThrows(
                io.distillab.core.importer.ImportException.class, () -> io.distillab.core.importer.TrajectoryImporter
                        .importStream(new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8)), "bad.jsonl",
                                io.distillab.core.importer.TrajectoryFormat.CHAT_JSONL, null, t -> { }));
        ValidatableResponse r = refused(givenAdmin().contentType("application/x-ndjson")
                .queryParam("parameters", TestData.json(TestData.params())).queryParam("filename", "bad.jsonl")
                .body(bad.getBytes(StandardCharsets.UTF_8)), 400, expected.field());
        r.body("file", containsString("bad.jsonl")).body("record", equalTo("line 2"));
        refused(givenAdmin().contentType("application/x-ndjson").queryParam("parameters", TestData.json(TestData.params()))
                .body(new byte[0]), 400, "data");
        // nothing of a refused job is left on the model store
        assertEquals(List.of(), listing(TrainerTestProfile.modelStore().resolve("incoming")));

        givenAdmin().queryParam("status", "done").get("/api/v1/jobs").then().statusCode(400).body("field", equalTo("status"));
        givenAdmin().queryParam("page", -1).get("/api/v1/jobs").then().statusCode(400).body("field", equalTo("page"));
        givenAdmin().get("/api/v1/jobs/987654").then().statusCode(404).contentType("application/problem+json");
        givenAdmin().post("/api/v1/jobs/987654/cancel").then().statusCode(404);
        givenAdmin().delete("/api/v1/jobs/987654").then().statusCode(404);
        givenAdmin().get("/api/v1/jobs/987654/student").then().statusCode(404);
    }

    @Test
    void cancellingARunningJobStopsItAfterACheckpoint() throws Exception {
        ScriptedTrainingEngine.stepMillis = 100;
        long id = TestData.submitUpload(TestData.params("steps", 200, "checkpointEvery", 50));
        assertTrue(TestData.awaitStep(id, 3, WAIT).getLong("step") >= 3);
        givenAdmin().get("/api/v1/jobs/" + id + "/student").then().statusCode(409).body("status", equalTo(409));
        givenAdmin().delete("/api/v1/jobs/" + id).then().statusCode(409);
        givenAdmin().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202).body("cancelRequested", equalTo(true));
        JsonPath v = TestData.await(id, WAIT);
        assertEquals("cancelled", v.getString("status"));
        assertTrue(v.getLong("step") < 200);
        // the engine checkpointed the step it stopped after
        assertTrue(Files.isDirectory(TrainerTestProfile.modelStore().resolve("jobs/" + id + "/out/checkpoint-"
                + v.getLong("step"))));
        // cancelling again changes nothing
        givenAdmin().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202).body("status", equalTo("cancelled"));
        givenAdmin().get("/api/v1/jobs/" + id + "/student").then().statusCode(409);
        givenAdmin().delete("/api/v1/jobs/" + id).then().statusCode(204);
    }

    @Test
    void aQueuedJobIsCancelledAtOnce() {
        scheduler.stop();
        try {
            long id = TestData.submitUpload(TestData.params());
            givenAdmin().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202).body("status", equalTo("cancelled"));
            assertEquals(List.of("queued", "cancelled"), givenAdmin().get("/api/v1/jobs/" + id + "/transitions")
                    .then().extract().jsonPath().getList("to"));
        } finally {
            scheduler.start();
        }
    }

    @Test
    void healthOpenApiAndMeters() throws Exception {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.find { it.name == 'gpus-and-workers' }.data.devices", equalTo(0))
                .body("checks.find { it.name == 'gpus-and-workers' }.data.workers", equalTo(2));
        given().get("/q/openapi").then().statusCode(200).body(containsString("/api/v1/jobs/{id}/events"));
        long id = TestData.submitUpload(TestData.params());
        assertEquals("succeeded", TestData.await(id, WAIT).getString("status"));
        Thread.sleep(1100); // the state counts are cached for a second
        String meters = given().get("/q/metrics").then().statusCode(200).extract().asString();
        double succeeded = meters.lines().filter(l -> l.startsWith("distillab_trainer_jobs{state=\"succeeded\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
        assertTrue(succeeded >= 1, meters);
        assertTrue(meters.contains("distillab_trainer_tokens_per_second"), "no tokens/s meter");
        assertTrue(meters.contains("distillab_trainer_steps_per_second"), "no steps/s meter");
        assertTrue(meters.contains("distillab_trainer_gpus 0.0"), "no GPU count");
    }

    /** A JSON submission on the served dataset 41, refused. */
    private static void refusedJson(Map<String, Object> body, int status, String field) {
        Map<String, Object> onDataset = new HashMap<>(body);
        onDataset.putIfAbsent("dataset", 41);
        refused(givenAdmin().contentType(ContentType.JSON).body(onDataset), status, field);
    }

    private static ValidatableResponse refused(io.restassured.specification.RequestSpecification request, int status,
                                               String field) {
        ValidatableResponse r = request.when().post("/api/v1/jobs").then().statusCode(status)
                .contentType("application/problem+json").body("status", equalTo(status));
        if (field != null) {
            r.body("field", equalTo(field));
        }
        return r;
    }

    private static List<String> listing(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
