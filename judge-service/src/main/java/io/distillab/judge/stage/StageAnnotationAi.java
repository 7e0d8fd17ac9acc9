package io.distillab.judge.stage;

import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.UserMessage;
import io.distillab.judge.provider.RetryPrompt;
import io.quarkiverse.langchain4j.RegisterAiService;

/**
 * The LLM stage annotator. Stateless: no chat memory, so that no judgment sees another's
 * conversation. Templates are Qute; {@code {|...|}} keeps the JSON example's braces literal.
 * Any change to the texts below must bump {@link #PROMPT_VERSION}: cached judgments are keyed
 * by it.
 */
@RegisterAiService(chatMemoryProviderSupplier = RegisterAiService.NoChatMemoryProviderSupplier.class)
public interface StageAnnotationAi {

    String PROMPT_VERSION = "stage-v1";

    String SYSTEM = """
            You label one message that a customer-service agent (an AI assistant that uses tools) wrote \
            to its user. Choose exactly one stage:
            - authentication: asks for or acknowledges the user's identity (user id, name, email, zip code) \
            before anything else can happen.
            - information_retrieval: looks up, reports or explains information (reservations, orders, \
            flights, policies) without changing anything.
            - execution: announces or carries out a change (booking, cancelling, modifying, refunding) or \
            asks for the details needed to make it.
            - verification: asks the user to confirm details or give explicit consent before an action, or \
            checks that an action's result is right.
            - notification: tells the user the outcome of an action, or closes the conversation.
            Answer with only a JSON object and no other text, in this form:
            {|{"stage": "one of authentication, information_retrieval, execution, verification, notification", "reason": "one sentence"}|}
            """;

    String USER = """
            The agent's message:
            <<<
            {text}
            >>>""";

    String RETRY = USER + RetryPrompt.SUFFIX;

    @SystemMessage(SYSTEM)
    @UserMessage(USER)
    String annotate(String text);

    @SystemMessage(SYSTEM)
    @UserMessage(RETRY)
    String annotateAgain(String text, String previousAnswer, String parseError);
}
