package io.distillab.core.graph;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Substring questions against the texts agents were given (rule 2 of the candidate edges). Short
 * texts are scanned; long ones (system prompts, mostly one per benchmark domain) get a suffix
 * automaton, built once per distinct text and shared by all trajectories and threads.
 */
final class KnownText {
    /** Below this many characters a scan is as fast as an index lookup. */
    private static final int INDEX_FROM = 2048;
    /** Distinct long texts indexed at most; past this, texts are scanned (bounded memory). */
    private static final int MAX_INDEXED = 256;
    private static final ConcurrentHashMap<String, SuffixAutomaton> INDEX = new ConcurrentHashMap<>();

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
        if (text.length() < INDEX_FROM) {
            return text::contains;
        }
        SuffixAutomaton sa = INDEX.get(text);
        if (sa == null) {
            if (INDEX.size() >= MAX_INDEXED) {
                return text::contains;
            }
            sa = INDEX.computeIfAbsent(text, SuffixAutomaton::new);
        }
        return sa::contains;
    }
}
