package io.distillab.core.analysis;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SPEC section 4's family view: given a model → family map, the mean score over pairs of distinct
 * models of one family and over pairs across families (pairs whose score is null are left out;
 * models the map does not name are left out).
 */
public final class FamilyView {
    /** Means and the number of pairs behind them; a mean is null when no pair contributes. */
    public record Row(Double within, int withinPairs, Double cross, int crossPairs) {
    }

    private FamilyView() {
    }

    public static Map<String, Row> of(AnalysisResult result, Map<String, String> familyOf) {
        Map<String, Row> out = new LinkedHashMap<>();
        for (String metric : Scores.METRICS) {
            double ws = 0, cs = 0;
            int wn = 0, cn = 0;
            for (AnalysisResult.PairResult p : result.pairs()) {
                String fa = familyOf.get(p.a());
                String fb = familyOf.get(p.b());
                Double v = p.scores().get(metric);
                if (p.a().equals(p.b()) || fa == null || fb == null || v == null) {
                    continue;
                }
                if (fa.equals(fb)) {
                    ws += v;
                    wn++;
                } else {
                    cs += v;
                    cn++;
                }
            }
            out.put(metric, new Row(wn == 0 ? null : ws / wn, wn, cn == 0 ? null : cs / cn, cn));
        }
        return out;
    }
}
