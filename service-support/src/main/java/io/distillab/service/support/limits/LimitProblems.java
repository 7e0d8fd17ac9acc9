package io.distillab.service.support.limits;

import java.util.LinkedHashMap;
import java.util.Map;

/** The bodies of the limits' refusals (RFC 9457 problem details), shared by the filters and mappers. */
final class LimitProblems {
    static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "https://distillab.io/problems/";

    private LimitProblems() {
    }

    /** 413: {@code field} is over the limit that {@code setting} sets. */
    static Map<String, Object> tooLarge(String field, String detail, long limit, String setting) {
        Map<String, Object> body = problem(413, "payload-too-large", "Payload too large", detail);
        body.put("field", field);
        body.put("limit", limit);
        body.put("setting", setting);
        return body;
    }

    /** 429: this client sent more requests than its rate allows. */
    static Map<String, Object> tooManyRequests(long retryAfterSeconds, double perSecond, int burst) {
        return problem(429, "too-many-requests", "Too many requests",
                "more than " + burst + " requests at once or " + perSecond + " a second from this client "
                        + "(distillab.limits.rate.*); retry after " + retryAfterSeconds + " s");
    }

    static Map<String, Object> problem(int status, String slug, String title, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_BASE + slug);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        return body;
    }
}
