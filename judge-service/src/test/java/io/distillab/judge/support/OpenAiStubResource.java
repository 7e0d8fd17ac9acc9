package io.distillab.judge.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Starts the {@link OpenAiStub} and points the LLM judge at it. */
public class OpenAiStubResource implements QuarkusTestResourceLifecycleManager {
    private OpenAiStub stub;

    @Override
    public Map<String, String> start() {
        stub = OpenAiStub.start();
        return Map.of(
                "distillab.judge.llm.enabled", "true",
                "quarkus.langchain4j.openai.base-url", stub.baseUrl(),
                "quarkus.langchain4j.openai.api-key", OpenAiStub.API_KEY,
                "quarkus.langchain4j.openai.chat-model.model-name", OpenAiStub.MODEL);
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(stub, new TestInjector.AnnotatedAndMatchesType(InjectOpenAiStub.class, OpenAiStub.class));
    }

    @Override
    public void stop() {
        if (stub != null) {
            stub.stop();
        }
    }
}
