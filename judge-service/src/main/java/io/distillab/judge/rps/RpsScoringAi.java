package io.distillab.judge.rps;

import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.UserMessage;
import io.distillab.judge.provider.RetryPrompt;
import io.quarkiverse.langchain4j.RegisterAiService;

/**
 * The LLM RPS scorer (SPEC section 5). Stateless; any change to the texts below must bump
 * {@link #PROMPT_VERSION}.
 */
@RegisterAiService(chatMemoryProviderSupplier = RegisterAiService.NoChatMemoryProviderSupplier.class)
public interface RpsScoringAi {

    String PROMPT_VERSION = "rps-v1";

    String SYSTEM = """
            You compare how two AI agents, A and B, write to their users at the same stage of the same \
            customer-service task. Judge how similar their messages are, not how good they are.
            Score three dimensions, each an integer from 1 (completely different) to 5 (practically the same):
            - style: tone and wording: enthusiasm, politeness, affirmatives, exclamations, formality, \
            sentence length.
            - structure: organisation: length, paragraphs, lists, headings, the order of the parts.
            - alignment: substance: whether they convey the same information, ask the same questions and \
            take the same approach.
            Answer with only a JSON object and no other text, in this form:
            {|{"style": 1, "structure": 1, "alignment": 1, "reason": "one sentence"}|}
            """;

    String USER = """
            Stage: {stage}

            Agent A's messages:
            {messagesA}

            Agent B's messages:
            {messagesB}""";

    String RETRY = USER + RetryPrompt.SUFFIX;

    @SystemMessage(SYSTEM)
    @UserMessage(USER)
    String score(String stage, String messagesA, String messagesB);

    @SystemMessage(SYSTEM)
    @UserMessage(RETRY)
    String scoreAgain(String stage, String messagesA, String messagesB, String previousAnswer, String parseError);
}
