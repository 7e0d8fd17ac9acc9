package io.distillab.core.trajectory;

import java.util.List;

/**
 * One chat turn. Assistant turns may carry tool calls; a tool turn's text is a call's output
 * (the call itself records which).
 *
 * @param role  who spoke
 * @param text  the text content, or null when the turn has none
 * @param calls the tool calls this turn made (assistant turns only; empty otherwise)
 */
public record Message(Role role, String text, List<ToolCall> calls) {
    public Message {
        calls = List.copyOf(calls);
    }

    /** True for an assistant turn with non-blank text and no tool call: a question or a confirmation request. */
    public boolean isAssistantTextOnly() {
        return role == Role.ASSISTANT && calls.isEmpty() && text != null && !SpecText.trim(text).isEmpty();
    }
}
