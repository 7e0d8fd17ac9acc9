package io.distillab.trainer;

import static io.distillab.service.support.testing.TestAuth.givenAdmin;

import io.distillab.core.importer.CanonicalRecord;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The bundled data, the model store of the tests, and the few REST steps most tests take. */
final class TestData {
    private static List<String> chatLines;

    private TestData() {
    }

    /** JSON numbers as doubles (RestAssured reads them as floats by default). */
    static void useDoubles() {
        io.restassured.RestAssured.config = io.restassured.RestAssured.config().jsonConfig(
                io.restassured.config.JsonConfig.jsonConfig().numberReturnType(
                        io.restassured.path.json.config.JsonPathConfig.NumberReturnType.DOUBLE));
        JsonPath.config = io.restassured.path.json.config.JsonPathConfig.jsonPathConfig()
                .numberReturnType(io.restassured.path.json.config.JsonPathConfig.NumberReturnType.DOUBLE);
    }

    static Path root() {
        String r = System.getProperty("distillab.root");
        Path p = r == null ? Path.of("..") : Path.of(r);
        return p.toAbsolutePath().normalize();
    }

    static Path tauBench() {
        return root().resolve("data/tau-bench/gpt-4o-airline.json");
    }

    /** The first {@code n} trajectories of the bundled tau-bench file as chat JSONL (canonical records). */
    static synchronized List<String> chatJsonl(int n) {
        if (chatLines == null) {
            List<String> lines = new ArrayList<>();
            TrajectoryImporter.importPath(tauBench(), TrajectoryFormat.TAU_BENCH, null,
                    t -> lines.add(CanonicalRecord.toJson(t).toString()));
            chatLines = lines;
        }
        return chatLines.subList(0, Math.min(n, chatLines.size()));
    }

    static byte[] smallUpload() {
        return (String.join("\n", chatJsonl(3)) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A checkpoint folder on the test model store, with a config.json of a tiny GPT-2. */
    static String tinyStudent(String name) {
        Path dir = TrainerTestProfile.modelStore().resolve("models").resolve(name);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), tinyGpt2Config());
            // the scripted engine reads no weights; the submission only checks that a checkpoint has them
            Files.writeString(dir.resolve("model.safetensors"), "scripted");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return name;
    }

    static String tinyGpt2Config() {
        return "{\"model_type\": \"gpt2\", \"vocab_size\": 50257, \"n_positions\": 64, \"n_embd\": 16, "
                + "\"n_layer\": 1, \"n_head\": 2, \"layer_norm_epsilon\": 1e-5, \"tie_word_embeddings\": true}";
    }

    /** Parameters of a small job on an uploaded file, with {@code extra} added or replaced. */
    static Map<String, Object> params(Object... extra) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("student", tinyStudent("tiny"));
        p.put("preset", "sft");
        p.put("steps", 6);
        p.put("batchSize", 2);
        p.put("checkpointEvery", 2);
        p.put("device", "cpu");
        for (int i = 0; i < extra.length; i += 2) {
            if (extra[i + 1] == null) {
                p.remove((String) extra[i]);
            } else {
                p.put((String) extra[i], extra[i + 1]);
            }
        }
        return p;
    }

    static String json(Map<String, Object> p) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Submits a job with the small upload as the raw body; returns its id. */
    static long submitUpload(Map<String, Object> p) {
        return givenAdmin().contentType("application/x-ndjson").queryParam("parameters", json(p))
                .queryParam("filename", "small.jsonl").body(smallUpload())
                .when().post("/api/v1/jobs").then().statusCode(202).extract().jsonPath().getLong("id");
    }

    static JsonPath view(long job) {
        return givenAdmin().when().get("/api/v1/jobs/" + job).then().statusCode(200).extract().jsonPath();
    }

    /** Polls until the job has ended; returns its view. */
    static JsonPath await(long job, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonPath v = view(job);
            String s = v.getString("status");
            if (s.equals("succeeded") || s.equals("failed") || s.equals("cancelled") || System.nanoTime() > end) {
                return v;
            }
            Thread.sleep(100);
        }
    }

    /** Polls until the job has recorded at least {@code step}. */
    static JsonPath awaitStep(long job, long step, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonPath v = view(job);
            if (v.getLong("step") >= step || System.nanoTime() > end) {
                return v;
            }
            Thread.sleep(50);
        }
    }

    static ContentType json() {
        return ContentType.JSON;
    }
}
