package io.distillab.judge;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.distillab.judge.support.JudgeTestProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class StageResourceTest {

    @Test
    void offlineJudgeAnnotatesAnAuthenticationRequest() {
        given().contentType(ContentType.JSON)
                .body(Map.of("text", "Could you please provide your user ID so that I can verify your identity?"))
                .when().post("/api/v1/stages")
                .then().statusCode(200)
                .body("status", equalTo("ok"))
                .body("stage", equalTo("authentication"))
                .body("reason", startsWith("Offline judge"))
                .body("judge.offline", equalTo(true))
                .body("judge.provider", equalTo("offline"))
                .body("judge.promptVersion", equalTo("offline-stage-v1"));
    }
}
