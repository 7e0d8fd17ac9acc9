package io.distillab.judge.edge;

import java.util.List;

/**
 * How an edge request is written into the LLM prompt. Part of prompt version
 * {@link EdgeValidationAi#PROMPT_VERSION}: tool outputs among the earlier messages are cut to
 * {@value #TOOL_OUTPUT_LIMIT} characters (they matter less than what the system and the user
 * said, which is always given whole).
 */
public final class EdgePromptText {
    static final int TOOL_OUTPUT_LIMIT = 2_000;

    private EdgePromptText() {
    }

    public static String call(ToolCallInput call) {
        return call.name() + "(" + call.arguments() + ")";
    }

    public static String messages(List<ChatMessageInput> messages) {
        if (messages.isEmpty()) {
            return "(none)";
        }
        StringBuilder sb = new StringBuilder();
        for (ChatMessageInput m : messages) {
            String content = m.content() == null ? "" : m.content();
            if ("tool".equalsIgnoreCase(m.role()) && content.length() > TOOL_OUTPUT_LIMIT) {
                content = content.substring(0, TOOL_OUTPUT_LIMIT) + " [... cut]";
            }
            sb.append("[").append(m.role()).append("] ").append(content).append('\n');
        }
        return sb.toString().stripTrailing();
    }
}
