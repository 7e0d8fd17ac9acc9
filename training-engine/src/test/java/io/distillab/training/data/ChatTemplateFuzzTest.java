package io.distillab.training.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the chat-template renderer with arbitrary template sources (a tokenizer_config.json is
 * user input): a template renders a conversation with tool calls, or fails with a
 * {@link ChatTemplate.TemplateException}, whatever its text. Never a NullPointerException, a
 * ClassCastException, a StackOverflowError or an OutOfMemoryError from a tiny template, never a
 * rendering longer than {@link ChatTemplate#MAX_TEXT_CHARS}, and never a hang. Seeds (templates
 * written in the style of the real ones, using what they use) and kept findings:
 * ChatTemplateFuzzTestInputs/renderAnyTemplate/; {@code scripts/fuzz.sh} adds the real Qwen3 and
 * Llama 3 templates the build fetched to the seeds of a fuzzing run (docs/fuzzing.md).
 */
class ChatTemplateFuzzTest {
    private static final Map<String, String> SPECIAL_TOKENS = Map.of(
            "bos_token", "<|begin_of_text|>", "eos_token", "<|im_end|>", "pad_token", "<|endoftext|>");

    private static final List<Object> TOOLS = List.of(Map.of("type", "function", "function", Map.of(
            "name", "get_reservation_details",
            "description", "Get the details of a reservation.",
            "parameters", Map.of("type", "object",
                    "properties", Map.of("reservation_id", Map.of("type", "string")),
                    "required", List.of("reservation_id")))));

    private static final List<Map<String, Object>> MESSAGES = List.of(
            Map.of("role", "system", "content", "You are an airline agent."),
            Map.of("role", "user", "content", "  Cancel ABC123, please.\n"),
            Map.of("role", "assistant", "content", "", "tool_calls", List.of(Map.of("id", "call_1", "type", "function",
                    "function", Map.of("name", "get_reservation_details",
                            "arguments", Map.of("reservation_id", "ABC123", "legs", List.of(1, 2.5, true)))))),
            Map.of("role", "tool", "tool_call_id", "call_1", "content", "{\"status\": \"ok\"}"),
            Map.of("role", "assistant", "content", "<think>\nchecked\n</think>\n\nIt is cancelled."));

    @FuzzTest
    void renderAnyTemplate(byte[] input) {
        ChatTemplate template = new ChatTemplate(new String(input, StandardCharsets.UTF_8), SPECIAL_TOKENS, "fuzz");
        try {
            for (List<Object> tools : java.util.Arrays.asList(TOOLS, null)) {
                String text = template.render(MESSAGES, tools);
                if (text.length() > ChatTemplate.MAX_TEXT_CHARS) {
                    throw new AssertionError("rendered " + text.length() + " characters, more than the bound");
                }
            }
        } catch (ChatTemplate.TemplateException refused) {
            if (refused.getMessage() == null || !refused.getMessage().startsWith("fuzz: chat template failed")) {
                throw new AssertionError("a refusal that does not say where: " + refused.getMessage(), refused);
            }
        }
    }
}
