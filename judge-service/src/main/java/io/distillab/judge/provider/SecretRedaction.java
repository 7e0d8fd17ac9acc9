package io.distillab.judge.provider;

import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Removes credentials from text that came back from the provider before it reaches a log line, a
 * recorded error or a problem body. Providers and the proxies before them echo what they were sent:
 * OpenAI's 401 names the key it refused (partly masked), some gateways repeat the whole
 * Authorization header. Removed: the configured API key wherever it appears, anything shaped like an
 * OpenAI-style key ({@code sk-...}) or a DistilLab API key ({@code dlk_...}), and the token after
 * {@code Bearer}.
 */
final class SecretRedaction {
    static final String REDACTED = "[redacted]";
    /** The key the judge is configured with; the placeholder of keyless servers is no secret. */
    static final String API_KEY = "quarkus.langchain4j.openai.api-key";
    private static final Pattern SHAPED_LIKE_KEYS = Pattern.compile(
            "(?i)(?<=bearer\\s)\\s*[^\\s\"',;}]+|\\bsk-[A-Za-z0-9_*\\-]{6,}|\\bdlk_[A-Za-z0-9_\\-]+");

    private SecretRedaction() {
    }

    static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        Optional<String> key = configuredKey();
        if (key.isPresent()) {
            out = out.replace(key.get(), REDACTED);
        }
        return SHAPED_LIKE_KEYS.matcher(out).replaceAll(REDACTED);
    }

    private static Optional<String> configuredKey() {
        try {
            return ConfigProvider.getConfig().getOptionalValue(API_KEY, String.class)
                    .map(String::trim).filter(k -> k.length() >= 8 && !k.equals("no-key"));
        } catch (IllegalStateException noConfig) {
            return Optional.empty();
        }
    }
}
