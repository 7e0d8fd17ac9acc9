package io.distillab.judge;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.distillab.judge.support.JudgeTestProfile;
import io.distillab.judge.support.Requests;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class HealthTest {
    @Test
    void healthIsUpWithTheDatabaseChecked() {
        given().when().get("/q/health").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("Database connections health check"));
    }

    @Test
    void judgmentsAreCountedInPrometheusMetrics() {
        Requests.post("/api/v1/stages", Requests.stage("Is there anything else I can help you with today?", null))
                .statusCode(200);
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("distillab_judgments_total{cached=\""))
                .body(containsString("kind=\"stage\""));
    }
}
