package io.distillab.judge.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** Without a Quarkus config only the shapes apply; the configured key is covered by the services' SecretsNeverShownIT. */
class SecretRedactionTest {

    @Test
    void openAisRefusalLosesTheKeyItEchoes() {
        String body = "{\"error\":{\"message\":\"Incorrect API key provided: sk-test-SECRET1234abcd. You can find "
                + "your API key at https://platform.openai.com/account/api-keys.\",\"code\":\"invalid_api_key\"}}";
        String redacted = SecretRedaction.redact(body);
        assertFalse(redacted.contains("SECRET1234"), redacted);
        assertEquals(body.replace("sk-test-SECRET1234abcd", "[redacted]"), redacted);
    }

    @Test
    void anEchoedAuthorizationHeaderLosesItsToken() {
        assertEquals("upstream refused Authorization: Bearer [redacted], request id 7",
                SecretRedaction.redact("upstream refused Authorization: Bearer eyJhbGciOi.payload.sig, request id 7"));
        assertEquals("key [redacted] unknown", SecretRedaction.redact("key dlk_AbC-123_x unknown"));
    }

    @Test
    void ordinaryProviderMessagesAreKept() {
        String text = "HTTP 500: The model `gpt-4o-mini` is overloaded; task-specific retry in 2s";
        assertEquals(text, SecretRedaction.redact(text));
    }
}
