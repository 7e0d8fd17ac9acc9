package io.distillab.judge.api;

import java.util.List;

/** A request that names fields it must not (unknown judge) or lacks fields it must have. */
public class InvalidRequestException extends RuntimeException {
    private final List<FieldViolation> violations;

    public InvalidRequestException(List<FieldViolation> violations) {
        super(summary(violations));
        this.violations = List.copyOf(violations);
    }

    public InvalidRequestException(String field, String message) {
        this(List.of(new FieldViolation(field, message)));
    }

    public List<FieldViolation> violations() {
        return violations;
    }

    private static String summary(List<FieldViolation> violations) {
        StringBuilder sb = new StringBuilder();
        for (FieldViolation v : violations) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(v.field()).append(": ").append(v.message());
        }
        return sb.toString();
    }
}
