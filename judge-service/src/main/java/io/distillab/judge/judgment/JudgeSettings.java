package io.distillab.judge.judgment;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The service's own settings ({@code distillab.judge.*}); documented in application.properties. */
@ConfigMapping(prefix = "distillab.judge")
public interface JudgeSettings {

    /** The judge a request gets when it names none: {@code offline} or {@code llm}. */
    @WithDefault("offline")
    String defaultJudge();

    Llm llm();

    Batch batch();

    Offline offline();

    interface Llm {
        /** Off by default: the service then needs no network at all. */
        @WithDefault("false")
        boolean enabled();

        /** The provider label recorded with each judgment (openai-compatible, ollama, vllm...). */
        @WithDefault("openai-compatible")
        String provider();

        /** Requests in flight to the provider at once, across all callers. */
        @WithDefault("64")
        int maxConcurrency();

        /** How long a judgment waits for one of those slots before it reports an error. */
        @WithDefault("PT5M")
        Duration queueTimeout();
    }

    interface Batch {
        /** Items of one batch judged at the same time. */
        @WithDefault("64")
        int concurrency();
    }

    interface Offline {
        /** Offline judgments computed at once (CPU bound); 0 means the number of processors. */
        @WithDefault("0")
        int maxConcurrency();

        /** Sentence embeddings kept in memory (a message recurs in many RPS pairs). */
        @WithDefault("20000")
        int embeddingCacheSize();
    }
}
