package io.distillab.judging.offline;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * RPS without an LLM (prompt version {@value #VERSION}).
 *
 * <p>Each group (A's, B's messages of the stage) is summarised by the mean of each
 * {@link LexicalFeatures} feature over its messages, and by the centroid of its messages'
 * embeddings. With {@code agree(a, b, floor) = 1 - |a - b| / max(a, b, floor)}:
 * <pre>
 * style     = mean( agree(affirmatives per sentence, 0.25),
 *                   agree(exclamations per sentence, 0.25),
 *                   agree(words per sentence, 8) )
 * structure = mean( agree(list-line share, 0.2), agree(heading-line share, 0.2),
 *                   agree(ln(1 + words), 1), agree(non-blank lines, 2) )
 * alignment = clamp( (cos(centroid A, centroid B) - 0.2) / (0.9 - 0.2), 0, 1 )
 * score     = 1 + round(4 * similarity)      (1..5, halves up)
 * </pre>
 * Style is about tone (enthusiasm, exclamation, sentence length), structure about layout and
 * length, alignment about content: all-MiniLM-L6-v2 puts unrelated customer-service sentences
 * near 0.2 and paraphrases near 0.9, hence the rescaling.
 */
final class OfflineRpsScorer {
    static final String VERSION = "offline-rps-v1";

    static final double RATE_FLOOR = 0.25;
    static final double SENTENCE_LENGTH_FLOOR = 8;
    static final double SHARE_FLOOR = 0.2;
    static final double LOG_LENGTH_FLOOR = 1;
    static final double LINES_FLOOR = 2;
    static final double UNRELATED_COSINE = 0.2;
    static final double PARAPHRASE_COSINE = 0.9;

    private final SentenceEmbedder embedder;

    OfflineRpsScorer(SentenceEmbedder embedder) {
        this.embedder = embedder;
    }

    OfflineJudge.RpsScores score(List<String> a, List<String> b) {
        List<LexicalFeatures> fa = a.stream().map(LexicalFeatures::of).toList();
        List<LexicalFeatures> fb = b.stream().map(LexicalFeatures::of).toList();

        double style = Agreement.mean(
                agree(fa, fb, LexicalFeatures::affirmativesPerSentence, RATE_FLOOR),
                agree(fa, fb, LexicalFeatures::exclamationsPerSentence, RATE_FLOOR),
                agree(fa, fb, LexicalFeatures::wordsPerSentence, SENTENCE_LENGTH_FLOOR));
        double structure = Agreement.mean(
                agree(fa, fb, LexicalFeatures::listShare, SHARE_FLOOR),
                agree(fa, fb, LexicalFeatures::headingShare, SHARE_FLOOR),
                agree(fa, fb, LexicalFeatures::logLength, LOG_LENGTH_FLOOR),
                agree(fa, fb, f -> f.lines(), LINES_FLOOR));
        double cosine = SentenceEmbedder.cosine(embedder.centroid(a), embedder.centroid(b));
        double alignment = Agreement.rescale(cosine, UNRELATED_COSINE, PARAPHRASE_COSINE);

        String reason = String.format(Locale.ROOT, "Offline judge (%s embeddings and lexical features, no LLM): "
                + "style agreement %.2f, structure agreement %.2f, content cosine %.2f.",
                SentenceEmbedder.MODEL, style, structure, cosine);
        return new OfflineJudge.RpsScores(Agreement.score(style), Agreement.score(structure), Agreement.score(alignment), reason);
    }

    private static double agree(List<LexicalFeatures> a, List<LexicalFeatures> b,
            ToDoubleFunction<LexicalFeatures> feature, double floor) {
        return Agreement.agree(meanOf(a, feature), meanOf(b, feature), floor);
    }

    private static double meanOf(List<LexicalFeatures> group, ToDoubleFunction<LexicalFeatures> feature) {
        return group.stream().mapToDouble(feature).average().orElse(0);
    }
}
