package io.distillab.judge;

import static io.distillab.judge.support.Requests.post;
import static io.distillab.judge.support.Requests.rps;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

import io.distillab.judge.support.JudgeTestProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class RpsResourceTest {

    @Test
    void offlineJudgeScoresAndReportsOverallAsTheMean() {
        post("/api/v1/rps", rps("notification",
                List.of("Excellent! Your flight is booked!"), List.of("Booking complete."), null))
                .statusCode(200)
                .body("status", equalTo("ok"))
                .body("answer.style", allOf(greaterThanOrEqualTo(1), lessThanOrEqualTo(5)))
                .body("answer.reason", startsWith("Offline judge"))
                .body("judge.promptVersion", equalTo("offline-rps-v1"))
                .body("judge.offline", equalTo(true));
        // overall is the mean of the three scores
        var answer = post("/api/v1/rps", rps("notification",
                List.of("Excellent! Your flight is booked!"), List.of("Booking complete."), null))
                .extract().jsonPath();
        double mean = (answer.getInt("answer.style") + answer.getInt("answer.structure")
                + answer.getInt("answer.alignment")) / 3.0;
        org.junit.jupiter.api.Assertions.assertEquals(mean, answer.getDouble("answer.overall"), 1e-6);
    }

    @Test
    void fieldErrorsNameTheField() {
        post("/api/v1/rps", rps(null, List.of("a"), List.of("b"), null)).statusCode(400).body("field", equalTo("stage"));
        post("/api/v1/rps", rps("closing", List.of("a"), List.of("b"), null)).statusCode(400)
                .contentType("application/problem+json").body("field", equalTo("stage"));
        post("/api/v1/rps", rps("execution", List.of(), List.of("b"), null)).statusCode(400)
                .body("field", equalTo("messagesA"));
        post("/api/v1/rps", rps("execution", List.of("a"), Arrays.asList("b", " "), null)).statusCode(400)
                .body("field", equalTo("messagesB[1]"));
        post("/api/v1/rps", Map.of("stage", "execution")).statusCode(400)
                .body("violations.field", org.hamcrest.Matchers.contains("messagesA", "messagesB"));
    }

    @Test
    void aBadBatchItemIsNamedByItsIndex() {
        post("/api/v1/rps/batch", Map.of("items", List.of(
                rps("execution", List.of("a"), List.of("b"), null),
                rps("execution", List.of("a"), List.of(), null))))
                .statusCode(400).body("field", equalTo("items[1].messagesB"));
        post("/api/v1/rps/batch", "{\"items\": [{\"stage\": \"nope\"}]}").statusCode(400)
                .body("field", equalTo("items[0].stage"));
    }
}
