package io.distillab.judge.edge;

import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.UserMessage;
import io.distillab.judge.provider.RetryPrompt;
import io.quarkiverse.langchain4j.RegisterAiService;

/**
 * The LLM dependency-edge validator (SPEC section 5). Stateless; any change to the texts below,
 * or to how {@link EdgePromptText} renders the input, must bump {@link #PROMPT_VERSION}.
 */
@RegisterAiService(chatMemoryProviderSupplier = RegisterAiService.NoChatMemoryProviderSupplier.class)
public interface EdgeValidationAi {

    String PROMPT_VERSION = "edge-v1";

    String SYSTEM = """
            An AI agent called a tool (the target call) with an argument value that also appears in the \
            output of an earlier tool call (the source call). Decide where the agent got the value from:
            - genuine: it took the value from the source call's output.
            - prior_knowledge: it already knew the value before the target call from the system prompt or \
            from the user (for example, the user typed it), so the edge is not a real dependency.
            Answer with only a JSON object and no other text, in this form:
            {|{"verdict": "genuine or prior_knowledge", "reason": "one sentence"}|}
            """;

    String USER = """
            Value: {value}

            Source call: {sourceCall}
            Source output:
            <<<
            {sourceOutput}
            >>>

            Target call: {targetCall}

            Messages before the target call:
            {messagesBefore}""";

    String RETRY = USER + RetryPrompt.SUFFIX;

    @SystemMessage(SYSTEM)
    @UserMessage(USER)
    String validate(String value, String sourceCall, String sourceOutput, String targetCall, String messagesBefore);

    @SystemMessage(SYSTEM)
    @UserMessage(RETRY)
    String validateAgain(String value, String sourceCall, String sourceOutput, String targetCall,
            String messagesBefore, String previousAnswer, String parseError);
}
