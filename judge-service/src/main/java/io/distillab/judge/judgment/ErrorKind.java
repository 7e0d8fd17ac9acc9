package io.distillab.judge.judgment;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Why a judgment has no answer. Kinds of a {@code failed} judgment (recorded, never asked again):
 * {@link #MALFORMED_ANSWER}, {@link #NO_DECISION}. Kinds of an {@code error} (nothing cached,
 * asked again later; each is counted and kept in table {@code provider_error}): the rest.
 */
public enum ErrorKind {
    /** The LLM answered twice without the JSON its prompt asks for (bad JSON, a field missing, a score out of range). */
    MALFORMED_ANSWER,
    /** The offline edge rule had nothing to decide on (the value is not in the source's output). */
    NO_DECISION,
    /** HTTP 429 through all retries. */
    RATE_LIMITED,
    /** HTTP 5xx through all retries. */
    SERVER_ERROR,
    /** No answer within the configured timeout (or HTTP 408) through all retries. */
    TIMEOUT,
    /** The connection was refused or broke. */
    UNREACHABLE,
    /** An HTTP answer that is not a chat completion (not JSON, or no choices) through all retries. */
    MALFORMED_RESPONSE,
    /** The provider refused the request for good (401, 403, 400, an unknown model): not retried. */
    REFUSED,
    /** The circuit breaker is open: the provider failed repeatedly and is not asked for a while. */
    CIRCUIT_OPEN,
    /** No provider slot came free within the queue timeout. */
    OVERLOADED,
    /** Another replica held the claim on this input for longer than the claim wait allows. */
    CLAIM_WAIT_TIMEOUT;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ErrorKind fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
