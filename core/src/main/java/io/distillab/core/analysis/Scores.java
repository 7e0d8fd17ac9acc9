package io.distillab.core.analysis;

/**
 * Model-level scores of one pair of models; null where SPEC says so (no task contributes a pair of
 * trajectories: S_node, AGS and GED are null; GED also when not asked for).
 */
public record Scores(Double ags, Double sNode, double sSeq, double sDep, Double ged) {

    /** The score a metric name ({@code ags, s_node, s_seq, s_dep, ged}) denotes. */
    public Double get(String metric) {
        return switch (metric) {
            case "ags" -> ags;
            case "s_node" -> sNode;
            case "s_seq" -> sSeq;
            case "s_dep" -> sDep;
            case "ged" -> ged;
            default -> throw new IllegalArgumentException("unknown metric '" + metric + "'");
        };
    }

    public static final java.util.List<String> METRICS = java.util.List.of("ags", "s_node", "s_seq", "s_dep", "ged");
}
