package io.distillab.service.support.paging;

/**
 * Which page of a list a client asked for: {@code ?page=} (0-based, default 0) and {@code ?size=}
 * (default {@value #DEFAULT_SIZE}, at most {@value #MAX_SIZE}). Every list endpoint of the
 * services takes these two and answers a {@link Page}.
 */
public record PageRequest(int page, int size) {
    public static final int DEFAULT_SIZE = 20;
    public static final int MAX_SIZE = 500;

    public PageRequest {
        if (page < 0) {
            throw new InvalidParameterException("page", "must be 0 or more");
        }
        if (size < 1 || size > MAX_SIZE) {
            throw new InvalidParameterException("size", "must be between 1 and " + MAX_SIZE);
        }
    }

    /** From the query parameters as given (null: the default). */
    public static PageRequest of(Integer page, Integer size) {
        return new PageRequest(page == null ? 0 : page, size == null ? DEFAULT_SIZE : size);
    }

    /** Rows to skip in an ordered query (SQL OFFSET). */
    public long offset() {
        return (long) page * size;
    }
}
