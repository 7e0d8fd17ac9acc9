package io.distillab.judge;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.notNullValue;

import io.distillab.judge.support.JudgeTestProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class OpenApiTest {

    @Test
    void everyEndpointIsDocumented() {
        given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body("paths", hasKey("/api/v1/stages"))
                .body("paths", hasKey("/api/v1/stages/batch"))
                .body("paths", hasKey("/api/v1/rps"))
                .body("paths", hasKey("/api/v1/rps/batch"))
                .body("paths", hasKey("/api/v1/edges"))
                .body("paths", hasKey("/api/v1/edges/batch"))
                .body("paths.'/api/v1/rps'.post.responses.'400'", notNullValue())
                .body("paths.'/api/v1/rps'.post.responses.'503'", notNullValue());
    }

    @Test
    void swaggerUiIsServed() {
        given().when().get("/q/swagger-ui/").then().statusCode(200);
    }
}
