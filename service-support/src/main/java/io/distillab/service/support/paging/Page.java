package io.distillab.service.support.paging;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a list: its items, which page it is, the page size asked for, and how many items
 * the whole list holds (so a client knows whether to ask for {@code page + 1}).
 */
public record Page<T>(List<T> items, int page, int size, long total) {
    public Page {
        items = List.copyOf(items);
    }

    public static <T> Page<T> of(List<T> items, PageRequest request, long total) {
        return new Page<>(items, request.page(), request.size(), total);
    }

    /** The page of an in-memory list (already ordered). */
    public static <T> Page<T> slice(List<T> all, PageRequest request) {
        int from = (int) Math.min(all.size(), request.offset());
        int to = (int) Math.min(all.size(), from + (long) request.size());
        return of(all.subList(from, to), request, all.size());
    }

    public <R> Page<R> map(Function<T, R> f) {
        return new Page<>(items.stream().map(f).toList(), page, size, total);
    }

    /** Whether another page follows this one. */
    public boolean hasNext() {
        return (long) (page + 1) * size < total;
    }
}
