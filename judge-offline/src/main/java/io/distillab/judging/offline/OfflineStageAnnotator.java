package io.distillab.judging.offline;

import io.distillab.judging.Stage;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Stages without an LLM (prompt version {@value #VERSION}).
 *
 * <p>Each stage has a few prototype messages and a list of cue phrases (below). A message gets
 * the stage with the highest
 * <pre>
 * score(stage) = cos(embedding(message), centroid of the stage's prototypes)
 *              + 0.08 * min(number of the stage's cue phrases in the message, 3)
 * </pre>
 * (ties go to the stage listed first). The embedding carries the meaning; the cues, matched as
 * whole words in any case, tip the balance on the words that define a stage ("confirm", "user
 * id", "successfully") when the meaning alone sits between two stages.
 */
final class OfflineStageAnnotator {
    static final String VERSION = "offline-stage-v1";
    static final double CUE_WEIGHT = 0.08;
    static final int CUE_CAP = 3;

    private static final Map<Stage, List<String>> PROTOTYPES = new EnumMap<>(Map.of(
            Stage.AUTHENTICATION, List.of(
                    "Could you please provide your user ID so I can look up your reservation?",
                    "To get started, I need your email address and zip code to verify your identity.",
                    "Could you please provide your user ID and the reservation ID?",
                    "Before I can help, please tell me your first and last name and your user id."),
            Stage.INFORMATION_RETRIEVAL, List.of(
                    "Here are the details of your reservation: the flights, the passengers and the payment method.",
                    "I found the following available flights from New York to Seattle on that date: HAT001 at 08:00 "
                            + "for $120 and HAT002 at 12:00 for $140.",
                    "According to our policy, basic economy tickets cannot be modified or refunded.",
                    "Let me look up the details of your order."),
            Stage.EXECUTION, List.of(
                    "I will now proceed to cancel your reservation.",
                    "To book the new flight, I need the passenger names, their dates of birth and the payment method "
                            + "you would like to use.",
                    "Let me process the exchange of the items in your order.",
                    "I'm updating the passenger information on your booking now."),
            Stage.VERIFICATION, List.of(
                    "Please confirm that you want to proceed with these changes (yes/no).",
                    "Here is a summary of the new booking: flight HAT001 on May 20 in economy, $120 charged to your "
                            + "credit card. Would you like me to proceed?",
                    "Just to confirm: you would like to cancel the whole reservation and get a refund to your card?",
                    "The total cost of the upgrade is $368. Would you like to proceed using your credit card?"),
            Stage.NOTIFICATION, List.of(
                    "Your reservation has been successfully cancelled, and the refund will arrive in 5 to 7 business "
                            + "days.",
                    "The flight change is complete; the price difference was charged to your gift card.",
                    "Your order has been exchanged successfully and you will receive an email confirmation.",
                    "You're welcome! If you need anything else, feel free to reach out. Have a great day!")));

    private static final Map<Stage, List<String>> CUES = new EnumMap<>(Map.of(
            Stage.AUTHENTICATION, List.of("user id", "verify your identity", "authenticate", "email address",
                    "zip code", "postal code", "your name", "locate your"),
            Stage.INFORMATION_RETRIEVAL, List.of("here are", "here is", "details", "i found", "available",
                    "the following", "let me check", "look up", "according to", "policy"),
            Stage.EXECUTION, List.of("i will now", "i'll now", "proceeding", "processing", "i'll proceed",
                    "let me proceed", "payment method", "passenger details", "let me process"),
            Stage.VERIFICATION, List.of("confirm", "is that correct", "is this correct", "would you like to proceed",
                    "would you like me to proceed", "do you want me to", "shall i", "should i proceed", "yes/no",
                    "before i proceed"),
            Stage.NOTIFICATION, List.of("successfully", "has been", "have been", "is now", "you will receive",
                    "you're welcome", "feel free to reach out", "anything else", "have a great day",
                    "have a wonderful day")));

    private final SentenceEmbedder embedder;
    private final Map<Stage, float[]> centroids = new EnumMap<>(Stage.class);
    private final Map<Stage, List<Pattern>> cues = new EnumMap<>(Stage.class);

    OfflineStageAnnotator(SentenceEmbedder embedder) {
        this.embedder = embedder;
        for (Stage stage : Stage.values()) {
            centroids.put(stage, embedder.centroid(PROTOTYPES.get(stage)));
            List<Pattern> patterns = new ArrayList<>();
            for (String cue : CUES.get(stage)) {
                patterns.add(Pattern.compile("(?iu)(?<![\\p{L}\\p{N}])" + Pattern.quote(cue) + "(?![\\p{L}\\p{N}])"));
            }
            cues.put(stage, patterns);
        }
    }

    OfflineJudge.StageResult annotate(String text) {
        float[] e = embedder.embed(text);
        Stage best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        double bestCosine = 0;
        int bestCues = 0;
        for (Stage stage : Stage.values()) {
            double cosine = SentenceEmbedder.cosine(e, centroids.get(stage));
            int found = (int) cues.get(stage).stream().filter(p -> p.matcher(text).find()).count();
            double score = cosine + CUE_WEIGHT * Math.min(found, CUE_CAP);
            if (score > bestScore) {
                best = stage;
                bestScore = score;
                bestCosine = cosine;
                bestCues = found;
            }
        }
        String reason = String.format(Locale.ROOT, "Offline judge (%s embeddings and cue phrases, no LLM): closest to "
                + "the %s prototypes (cosine %.2f) with %d %s cue phrase%s.", SentenceEmbedder.MODEL, best.wire(),
                bestCosine, bestCues, best.wire(), bestCues == 1 ? "" : "s");
        return new OfflineJudge.StageResult(best, reason);
    }
}
