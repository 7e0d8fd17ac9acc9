package io.distillab.judge.judgment;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * {@code ok}: the judge answered and the answer is valid. {@code failed}: the judge answered
 * but no valid answer came even after one retry with the parse error (or the offline rule had
 * nothing to decide on); recorded, never guessed, not asked again. {@code error}: the judge
 * could not be asked (provider down, rate limited after retries, open circuit); nothing is
 * recorded and the same input may be sent again later.
 */
public enum JudgmentStatus {
    OK, FAILED, ERROR;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static JudgmentStatus fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
