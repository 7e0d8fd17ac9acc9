package io.distillab.judge.support;

import static io.distillab.service.support.testing.TestAuth.givenAdmin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Request bodies and calls shared by the REST tests. */
public final class Requests {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Requests() {
    }

    public static Map<String, Object> stage(String text, String judge) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("text", text);
        if (judge != null) {
            body.put("judge", judge);
        }
        return body;
    }

    public static Map<String, Object> rps(String stage, List<String> a, List<String> b, String judge) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("stage", stage);
        body.put("messagesA", a);
        body.put("messagesB", b);
        if (judge != null) {
            body.put("judge", judge);
        }
        return body;
    }

    /** An edge whose value {@code value} is in the source's JSON output and nowhere before. */
    public static Map<String, Object> edge(String value, String userSays, String judge) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("value", value);
        body.put("source", Map.of("name", "get_user_details", "arguments", Map.of("user_id", "mia_li_3668"),
                "output", "{\"user_id\": \"mia_li_3668\", \"reservations\": [\"" + value + "\", \"AIXC49\"]}"));
        body.put("target", Map.of("name", "get_reservation_details", "arguments", Map.of("reservation_id", value)));
        body.put("messagesBefore", List.of(
                Map.of("role", "system", "content", "You are an airline customer-service agent."),
                Map.of("role", "user", "content", userSays),
                Map.of("role", "assistant", "content", "")));
        if (judge != null) {
            body.put("judge", judge);
        }
        return body;
    }

    public static ValidatableResponse post(String path, Object body) {
        return givenAdmin().contentType(ContentType.JSON).body(body).when().post(path).then();
    }

    /** Posts a batch and reads its NDJSON answer, one node per line. */
    public static List<JsonNode> batch(String path, List<?> items) {
        String ndjson = givenAdmin().contentType(ContentType.JSON).body(Map.of("items", items))
                .when().post(path + "/batch")
                .then().statusCode(200).contentType("application/x-ndjson")
                .extract().asString();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : ndjson.split("\n")) {
            if (!line.isBlank()) {
                try {
                    lines.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new UncheckedIOException("Not a JSON line: " + line, e);
                }
            }
        }
        return lines;
    }
}
