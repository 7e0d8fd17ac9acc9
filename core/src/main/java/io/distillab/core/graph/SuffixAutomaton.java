package io.distillab.core.graph;

import java.util.Arrays;

/**
 * The suffix automaton of a text: answers "is v a substring?" in O(|v|) whatever the text's length.
 * Rule 2 of the candidate edges asks that of the same long system prompt for every value of every
 * call in every trajectory; scanning 10 KB per question made it the importer's hottest loop.
 *
 * <p>The classic online construction (Blumer et al.), with each state's transitions kept in small
 * parallel arrays sorted by character.
 */
final class SuffixAutomaton {
    private int[] len;
    private int[] link;
    private char[][] keys;
    private int[][] targets;
    private int[] degree;
    private int size;
    private int last;

    SuffixAutomaton(String text) {
        int cap = Math.max(2, 2 * text.length());
        len = new int[cap];
        link = new int[cap];
        keys = new char[cap][];
        targets = new int[cap][];
        degree = new int[cap];
        link[0] = -1;
        size = 1;
        for (int i = 0; i < text.length(); i++) {
            extend(text.charAt(i));
        }
    }

    boolean contains(String v) {
        int state = 0;
        for (int i = 0; i < v.length() && state >= 0; i++) {
            state = get(state, v.charAt(i));
        }
        return state >= 0;
    }

    private void extend(char c) {
        int cur = newState(len[last] + 1);
        int p = last;
        while (p != -1 && get(p, c) < 0) {
            set(p, c, cur);
            p = link[p];
        }
        if (p == -1) {
            link[cur] = 0;
        } else {
            int q = get(p, c);
            if (len[p] + 1 == len[q]) {
                link[cur] = q;
            } else {
                int clone = newState(len[p] + 1);
                keys[clone] = keys[q] == null ? null : Arrays.copyOf(keys[q], keys[q].length);
                targets[clone] = targets[q] == null ? null : Arrays.copyOf(targets[q], targets[q].length);
                degree[clone] = degree[q];
                link[clone] = link[q];
                while (p != -1 && get(p, c) == q) {
                    set(p, c, clone);
                    p = link[p];
                }
                link[q] = clone;
                link[cur] = clone;
            }
        }
        last = cur;
    }

    private int newState(int length) {
        if (size == len.length) {
            int cap = size * 2;
            len = Arrays.copyOf(len, cap);
            link = Arrays.copyOf(link, cap);
            keys = Arrays.copyOf(keys, cap);
            targets = Arrays.copyOf(targets, cap);
            degree = Arrays.copyOf(degree, cap);
        }
        len[size] = length;
        return size++;
    }

    private int get(int state, char c) {
        char[] k = keys[state];
        if (k == null) {
            return -1;
        }
        int i = Arrays.binarySearch(k, 0, degree[state], c);
        return i >= 0 ? targets[state][i] : -1;
    }

    private void set(int state, char c, int target) {
        int d = degree[state];
        char[] k = keys[state];
        if (k == null) {
            keys[state] = k = new char[2];
            targets[state] = new int[2];
        }
        int i = Arrays.binarySearch(k, 0, d, c);
        if (i >= 0) {
            targets[state][i] = target;
            return;
        }
        int at = -i - 1;
        if (d == k.length) {
            keys[state] = k = Arrays.copyOf(k, d * 2);
            targets[state] = Arrays.copyOf(targets[state], d * 2);
        }
        System.arraycopy(k, at, k, at + 1, d - at);
        System.arraycopy(targets[state], at, targets[state], at + 1, d - at);
        k[at] = c;
        targets[state][at] = target;
        degree[state] = d + 1;
    }
}
