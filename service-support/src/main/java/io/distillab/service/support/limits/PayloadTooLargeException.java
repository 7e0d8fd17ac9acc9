package io.distillab.service.support.limits;

/**
 * A request body (or a part of one) is over its configured limit. Answered as 413 with a problem
 * naming the limit's setting and the refused field or parameter.
 */
public class PayloadTooLargeException extends RuntimeException {
    private final String field;
    private final long limit;
    private final String setting;

    /**
     * @param field   what was too large: {@code body}, or a JSON field such as {@code items}
     * @param limit   the largest allowed size, in the unit the detail states
     * @param setting the configuration property that sets the limit
     */
    public PayloadTooLargeException(String field, String detail, long limit, String setting) {
        super(detail);
        this.field = field;
        this.limit = limit;
        this.setting = setting;
    }

    /** A body over {@code limitBytes}. */
    public static PayloadTooLargeException body(long limitBytes, String setting) {
        return new PayloadTooLargeException("body", "the request body is larger than the limit of " + limitBytes
                + " bytes (" + setting + "); nothing of it was stored", limitBytes, setting);
    }

    public String field() {
        return field;
    }

    public long limit() {
        return limit;
    }

    public String setting() {
        return setting;
    }
}
