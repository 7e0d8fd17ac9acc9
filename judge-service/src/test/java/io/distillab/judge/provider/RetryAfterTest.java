package io.distillab.judge.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
    private static final Instant NOW = Instant.parse("2026-11-29T22:00:00Z");

    @Test
    void delaySeconds() {
        assertEquals(Optional.of(Duration.ofSeconds(7)), RetryAfter.parse(" 7 ", NOW));
        assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("0", NOW));
    }

    @Test
    void anHttpDateIsTheTimeUntilThen() {
        assertEquals(Optional.of(Duration.ofSeconds(90)), RetryAfter.parse("Sun, 29 Nov 2026 22:01:30 GMT", NOW));
        assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("Sun, 29 Nov 2026 21:00:00 GMT", NOW),
                "a date in the past: at once");
    }

    @Test
    void absentOrUnreadableIsEmpty() {
        assertEquals(Optional.empty(), RetryAfter.parse(null, NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("soon", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("-5", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("99999999999999999999999", NOW));
    }

    @Test
    void theBackoffTakesRetryAfterWhenGivenAndDoublesOtherwise() {
        ProviderBackoff backoff = new ProviderBackoff(Duration.ofMillis(400), Duration.ofSeconds(5));
        backoff.init(100);
        RuntimeException plain = new RuntimeException("500");
        RuntimeException asked = new RuntimeException(new RetryAfterHttpException(429, "", Duration.ofSeconds(3)));
        RuntimeException tooLong = new RuntimeException(new RetryAfterHttpException(429, "", Duration.ofMinutes(5)));
        assertEquals(100, backoff.nextDelayInMillis(plain));
        assertEquals(3_000, backoff.nextDelayInMillis(asked));
        assertEquals(400, backoff.nextDelayInMillis(plain), "the doubling went on under the Retry-After: 100, 200, 400");
        assertEquals(400, backoff.nextDelayInMillis(plain));
        assertEquals(5_000, backoff.nextDelayInMillis(tooLong), "Retry-After is capped");
    }
}
