package io.distillab.judge;

import static io.distillab.judge.support.Requests.edge;
import static io.distillab.judge.support.Requests.post;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;

import io.distillab.judge.support.JudgeTestProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class EdgeResourceTest {

    @Test
    void valueFromTheSourceOutputIsGenuine() {
        post("/api/v1/edges", edge("NO6JO3", "Please cancel my most recent trip.", null))
                .statusCode(200)
                .body("status", equalTo("ok"))
                .body("answer.verdict", equalTo("genuine"))
                .body("judge.model", equalTo("provenance-rules"))
                .body("judge.promptVersion", equalTo("offline-edge-v2"));
    }

    @Test
    void aValueTheSourceCallWasGivenIsOnlyEchoedByItsOutput() {
        // get_user_details(user_id=mia_li_3668) returns the user id it was asked about
        post("/api/v1/edges", edge("mia_li_3668", "Please cancel my most recent trip.", null))
                .statusCode(200)
                .body("answer.verdict", equalTo("prior_knowledge"))
                .body("answer.reason", containsString("echoed"));
    }

    @Test
    void valueTheUserTypedIsPriorKnowledge() {
        post("/api/v1/edges", edge("NO6JO3", "Please cancel reservation NO6JO3.", null))
                .statusCode(200).body("answer.verdict", equalTo("prior_knowledge"));
    }

    @Test
    void argumentsGivenAsAJsonStringAreTheSameInput() {
        Map<String, Object> asObject = edge("AIXC49", "Cancel my trip.", null);
        Map<String, Object> asString = new HashMap<>(asObject);
        asString.put("target", Map.of("name", "get_reservation_details", "arguments", "{\"reservation_id\": \"AIXC49\"}"));
        String hash = post("/api/v1/edges", asObject).statusCode(200).extract().path("inputHash");
        post("/api/v1/edges", asString).statusCode(200).body("inputHash", equalTo(hash)).body("cached", equalTo(true));
    }

    @Test
    void aValueMissingFromTheOutputIsRecordedAsFailedNotGuessed() {
        Map<String, Object> body = new HashMap<>(edge("ZZZ999", "Cancel my trip.", null));
        body.put("source", Map.of("name", "get_user_details", "arguments", Map.of("user_id", "x"),
                "output", "{\"reservations\": []}"));
        post("/api/v1/edges", body).statusCode(200)
                .body("status", equalTo("failed"))
                .body("answer", nullValue())
                .body("error", containsString("not a candidate edge"));
    }

    @Test
    void fieldErrorsNameTheNestedField() {
        Map<String, Object> noOutput = new HashMap<>(edge("NO6JO3", "hi", null));
        noOutput.put("source", Map.of("name", "get_user_details", "arguments", Map.of()));
        post("/api/v1/edges", noOutput).statusCode(400).body("field", equalTo("source.output"));

        Map<String, Object> listArguments = new HashMap<>(edge("NO6JO3", "hi", null));
        listArguments.put("target", Map.of("name", "x", "arguments", List.of(1, 2)));
        post("/api/v1/edges", listArguments).statusCode(400).body("field", equalTo("target.arguments"));

        Map<String, Object> badRole = new HashMap<>(edge("NO6JO3", "hi", null));
        badRole.put("messagesBefore", List.of(Map.of("role", "narrator", "content", "x")));
        post("/api/v1/edges", badRole).statusCode(400).body("field", equalTo("messagesBefore[0].role"));

        Map<String, Object> noValue = new HashMap<>(edge("NO6JO3", "hi", null));
        noValue.remove("value");
        post("/api/v1/edges", noValue).statusCode(400).body("field", equalTo("value"));
    }
}
