package io.distillab.core.graph;

/**
 * A candidate dependency edge for one value: {@code value} of call {@code target} came from the
 * output of call {@code source} (1-based call indices, source &lt; target).
 */
public record CandidateEdge(int source, int target, String value) {
}
