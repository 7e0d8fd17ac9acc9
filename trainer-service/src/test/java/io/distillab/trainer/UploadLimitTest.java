package io.distillab.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.distillab.service.support.testing.RawHttp;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

/**
 * A job's file over distillab.limits.upload-bytes (default 1 GiB) is refused with a problem before
 * its body is read (the Content-Length says it), on both submit forms, not with Quarkus's bare 413.
 * The refusal comes before authentication, so no token is needed here.
 */
@QuarkusTest
@TestProfile(TrainerTestProfile.class)
class UploadLimitTest {
    private static final long LIMIT = 1L << 30;

    @Test
    void aJobFileOverTheUploadLimitIsRefusedWithAProblemNamingTheSetting() throws Exception {
        for (String type : new String[] {"application/octet-stream", "multipart/form-data; boundary=x"}) {
            RawHttp.Response r = RawHttp.headOnly(RestAssured.port, "POST /api/v1/jobs?parameters=%7B%7D HTTP/1.1\r\n"
                    + "Host: localhost\r\nContent-Type: " + type + "\r\nContent-Length: " + (LIMIT + 1));
            assertEquals(413, r.status(), type + ": " + r.body());
            assertEquals("application/problem+json", r.header("content-type"));
            JsonPath p = JsonPath.from(r.body());
            assertEquals("distillab.limits.upload-bytes", p.getString("setting"), type);
            assertEquals(LIMIT, p.getLong("limit"));
        }
    }
}
