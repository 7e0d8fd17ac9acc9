package io.distillab.core.graph;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Substring questions against the texts agents were given (rule 2 of the candidate edges). Short
 * texts are scanned; long ones (system prompts, mostly one per benchmark domain) get a suffix
 * automaton, built once per distinct text and shared by all trajectories and threads.
 *
 * <p>The indexes live in a least-recently-used cache bounded by the characters of the texts it
 * holds: a long-running service analyses many users' texts, and a cache that only ever grows would
 * keep all of them (and their automata, several times larger) for the life of the process.
 */
final class KnownText {
    /** Below this many characters a scan is as fast as an index lookup. */
    private static final int INDEX_FROM = 2048;
    /** Characters of indexed text kept at most (the automata take a small multiple of this). */
    static final long MAX_INDEXED_CHARS = 8L << 20;

    private static final Map<String, SuffixAutomaton> INDEX = new LinkedHashMap<>(16, 0.75f, true);
    private static long indexedChars;

    private KnownText() {
    }

    static boolean contains(String text, String value) {
        return matcher(text).test(value);
    }

    /**
     * "Is v a substring of text?" for one text, resolved once: finding a long text's automaton costs
     * a comparison of the whole text with the indexed one (each trajectory holds its own copy of
     * the system prompt), so a trajectory asks for it once per message, not once per value.
     */
    static Predicate<String> matcher(String text) {
        if (text.length() < INDEX_FROM || text.length() > MAX_INDEXED_CHARS) {
            return text::contains;
        }
        SuffixAutomaton sa;
        synchronized (INDEX) {
            sa = INDEX.get(text);
        }
        if (sa == null) {
            // built outside the lock; two threads may build the same one, the second is dropped
            sa = new SuffixAutomaton(text);
            synchronized (INDEX) {
                SuffixAutomaton present = INDEX.putIfAbsent(text, sa);
                if (present == null) {
                    indexedChars += text.length();
                    evictBeyondBudget();
                } else {
                    sa = present;
                }
            }
        }
        return sa::contains;
    }

    /** Drops the least recently used indexes until the texts fit the budget. Holds INDEX's lock. */
    private static void evictBeyondBudget() {
        Iterator<Map.Entry<String, SuffixAutomaton>> oldest = INDEX.entrySet().iterator();
        while (indexedChars > MAX_INDEXED_CHARS && oldest.hasNext()) {
            indexedChars -= oldest.next().getKey().length();
            oldest.remove();
        }
    }

    /** Characters of text indexed now; for tests. */
    static long indexedChars() {
        synchronized (INDEX) {
            return indexedChars;
        }
    }
}
