package io.distillab.metrics;

import static io.distillab.service.support.testing.TestAuth.givenAdmin;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** The bundled data and the few REST steps most tests take. */
final class TestData {
    private TestData() {
    }

    static Path root() {
        String r = System.getProperty("distillab.root");
        Path p = r == null ? Path.of("..") : Path.of(r);
        return p.toAbsolutePath().normalize();
    }

    static Path tauBench() {
        return root().resolve("data/tau-bench/gpt-4o-airline.json");
    }

    static Path toolBench(String group) {
        return root().resolve("data/toolbench/" + group);
    }

    static long newDataset(String prefix) {
        return givenAdmin().contentType(ContentType.JSON)
                .body(Map.of("name", prefix + "-" + UUID.randomUUID(), "description", "test"))
                .when().post("/api/v1/datasets").then().statusCode(201).extract().jsonPath().getLong("id");
    }

    static JsonPath upload(long dataset, Path file, String format, String model) throws Exception {
        var spec = givenAdmin().contentType("application/octet-stream").body(Files.readAllBytes(file))
                .queryParam("format", format).queryParam("filename", file.getFileName().toString());
        if (model != null) {
            spec = spec.queryParam("model", model);
        }
        return spec.when().post("/api/v1/datasets/" + dataset + "/trajectories").then().statusCode(201)
                .extract().jsonPath();
    }

    static long submit(Map<String, Object> parameters) {
        return givenAdmin().contentType(ContentType.JSON).body(parameters).when().post("/api/v1/analyses")
                .then().statusCode(202).extract().jsonPath().getLong("id");
    }

    static JsonPath view(long analysis) {
        return givenAdmin().when().get("/api/v1/analyses/" + analysis).then().statusCode(200).extract().jsonPath();
    }

    /** Polls until the analysis is done or failed; returns its view. */
    static JsonPath await(long analysis, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonPath v = givenAdmin().when().get("/api/v1/analyses/" + analysis).then().statusCode(200).extract().jsonPath();
            String status = v.getString("status");
            if (status.equals("done") || status.equals("failed")) {
                return v;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("analysis " + analysis + " still " + status + " after " + timeout);
            }
            Thread.sleep(100);
        }
    }

    static String result(long analysis) {
        return givenAdmin().when().get("/api/v1/analyses/" + analysis + "/result").then().statusCode(200)
                .contentType(ContentType.JSON).extract().asString();
    }
}
