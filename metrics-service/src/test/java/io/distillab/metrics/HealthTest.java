package io.distillab.metrics;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(MetricsTestProfile.class)
class HealthTest {
    @Test
    void healthIsUp() {
        given().when().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void readinessChecksTheDatabaseAndLivenessTheWorkers() {
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItem(containsString("Database")));
        given().when().get("/q/health/live").then().statusCode(200)
                .body("checks.name", hasItem("analysis-workers"));
    }

    @Test
    void openApiDocumentsTheApiAndSwaggerUiIsServed() {
        given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/api/v1/datasets/{id}/trajectories"))
                .body("paths", org.hamcrest.Matchers.hasKey("/api/v1/analyses/{id}/result"));
        given().when().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void prometheusShowsQueueAndImportMeters() {
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("distillab_analyses{status=\"queued\"}"))
                .body(containsString("distillab_import_bytes_total"));
    }
}
