package io.distillab.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class BenchLoadCommandTest {

    @Test
    void nearestRankPercentiles() {
        long[] oneToHundred = LongStream.rangeClosed(1, 100).toArray();
        assertEquals(50, BenchLoadCommand.percentile(oneToHundred, 0.50));
        assertEquals(99, BenchLoadCommand.percentile(oneToHundred, 0.99));
        assertEquals(100, BenchLoadCommand.percentile(oneToHundred, 1.0));
        assertEquals(7, BenchLoadCommand.percentile(new long[] {7}, 0.99));
        assertEquals(0, BenchLoadCommand.percentile(new long[0], 0.5));
    }

    @Test
    void reportCountsErrorsPerKind() {
        List<BenchLoadCommand.Sample> samples = List.of(
                new BenchLoadCommand.Sample("list", 2_000_000, true, null),
                new BenchLoadCommand.Sample("list", 4_000_000, false, "HTTP 503"),
                new BenchLoadCommand.Sample("upload", 10_000_000, true, null));
        var r = BenchLoadCommand.report(samples, List.of(), 2.0, 1, 0, 3, 3);
        assertEquals(3, r.get("requests").asInt());
        assertEquals(1.5, r.get("achieved_rate").asDouble(), 1e-12);
        assertEquals(1, r.get("errors").asInt());
        assertEquals(1.0 / 3, r.get("error_rate").asDouble(), 1e-12);
        assertEquals(1, r.get("kinds").get("list").get("errors").asInt());
        assertEquals(2.0, r.get("kinds").get("list").get("p50_ms").asDouble(), 1e-12);
        assertEquals(4.0, r.get("kinds").get("list").get("p99_ms").asDouble(), 1e-12);
        assertEquals(0, r.get("kinds").get("judge-batch").get("requests").asInt());
        assertEquals("list: HTTP 503", r.get("first_errors").get(0).asText());
        assertNull(r.get("kinds").get("nothing"));
    }
}
