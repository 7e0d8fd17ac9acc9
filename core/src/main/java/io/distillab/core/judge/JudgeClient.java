package io.distillab.core.judge;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What metrics-service needs from judge-service (its {@code /api/v1/stages}, {@code /rps} and
 * {@code /edges} endpoints, asked in batches). Answers are positional: element i answers request i.
 * A judgment the judge recorded as {@code failed} (no valid answer) comes back as null; a judge
 * that could not be asked at all raises {@link JudgeUnavailableException}.
 */
public interface JudgeClient {

    /** An assistant text message to place in a SPEC stage. */
    record StageQuestion(String text) {
    }

    /** Model A's and model B's messages of one shared stage, to score on Style, Structure and Alignment. */
    record RpsQuestion(String stage, List<String> messagesA, List<String> messagesB) {
    }

    /** A tool call as the edge judge sees it; output only for the source call. */
    record Call(String name, JsonNode arguments, String output) {
    }

    /** A chat message before the target call. */
    record ChatMessage(String role, String content) {
    }

    /** A candidate dependency edge for one value: genuine, or known before (prior knowledge)? */
    record EdgeQuestion(String value, Call source, Call target, List<ChatMessage> messagesBefore) {
    }

    /** The stage wire name of each message ({@code authentication} ... {@code notification}), or null. */
    List<String> stages(List<StageQuestion> questions, String judge);

    /** Overall = mean of Style, Structure and Alignment (1..5) of each question, or null. */
    List<Double> rps(List<RpsQuestion> questions, String judge);

    /** True when the judge found the edge genuine, false for prior knowledge, null when it gave no answer. */
    List<Boolean> edges(List<EdgeQuestion> questions, String judge);
}
