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

    Claims claims();

    /** "Never judged twice" across replicas (cache/OncePerInput). */
    interface Claims {
        /** How long a claim lives unless its holder renews it; a dead replica's claims are taken over after it. */
        @WithDefault("PT60S")
        Duration lease();

        /** How long a request waits for a claim another replica holds before it answers status error. */
        @WithDefault("PT5M")
        Duration maxWait();

        /** First delay between looks at a claim held elsewhere; it doubles up to poll-max. */
        @WithDefault("PT0.05S")
        Duration pollInitial();

        @WithDefault("PT1S")
        Duration pollMax();

        /** Attempts to write a judgment before its claim is left to run out (it is then judged again later). */
        @WithDefault("5")
        int writeAttempts();

        /** Delay before the second write attempt; it doubles after each failure. */
        @WithDefault("PT0.2S")
        Duration writeBackoff();
    }

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

        /** The longest delay between retries without a Retry-After (read by ProviderBackoff). */
        @WithDefault("PT8S")
        Duration retryMaxDelay();

        /** The longest Retry-After honoured; a provider asking for more is asked again after this. */
        @WithDefault("PT60S")
        Duration retryAfterMax();
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
