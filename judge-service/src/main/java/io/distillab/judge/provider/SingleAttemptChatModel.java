package io.distillab.judge.provider;

import dev.langchain4j.model.openai.OpenAiChatModel;
import io.quarkiverse.langchain4j.ModelBuilderCustomizer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns LangChain4j's own retry off: {@code quarkus.langchain4j.openai.max-retries} cannot go
 * below 1, which LangChain4j reads as one extra attempt after a sleep of its own. Retries belong
 * to {@link ProviderGuard} alone, so that each attempt is one request, is counted by the circuit
 * breaker, and waits with the configured backoff without holding a concurrency slot.
 */
@ApplicationScoped
public class SingleAttemptChatModel implements ModelBuilderCustomizer<OpenAiChatModel.OpenAiChatModelBuilder> {

    @Override
    public void customize(OpenAiChatModel.OpenAiChatModelBuilder builder) {
        builder.maxRetries(0);
    }
}
