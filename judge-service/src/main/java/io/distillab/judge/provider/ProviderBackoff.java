package io.distillab.judge.provider;

import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import java.time.Duration;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The delay before each retry of a provider call: what the provider's {@code Retry-After} asked
 * for (at most {@code distillab.judge.llm.retry-after-max}), otherwise exponential from the
 * {@code @Retry} delay, doubling up to {@code distillab.judge.llm.retry-max-delay}. SmallRye makes
 * one instance per guarded call.
 */
public class ProviderBackoff implements CustomBackoffStrategy {
    static final String MAX_DELAY = "distillab.judge.llm.retry-max-delay";
    static final String RETRY_AFTER_MAX = "distillab.judge.llm.retry-after-max";

    private final long maxDelayMillis;
    private final long retryAfterMaxMillis;
    private long nextMillis;

    /** As SmallRye makes it: the limits from the configuration. */
    public ProviderBackoff() {
        this(ConfigProvider.getConfig().getOptionalValue(MAX_DELAY, Duration.class).orElse(Duration.ofSeconds(8)),
                ConfigProvider.getConfig().getOptionalValue(RETRY_AFTER_MAX, Duration.class)
                        .orElse(Duration.ofSeconds(60)));
    }

    ProviderBackoff(Duration maxDelay, Duration retryAfterMax) {
        this.maxDelayMillis = maxDelay.toMillis();
        this.retryAfterMaxMillis = retryAfterMax.toMillis();
    }

    @Override
    public void init(long initialDelayInMillis) {
        nextMillis = initialDelayInMillis;
    }

    @Override
    public long nextDelayInMillis(Throwable cause) {
        long exponential = Math.min(nextMillis, maxDelayMillis);
        nextMillis = Math.min(nextMillis * 2, maxDelayMillis);
        return RetryAfterHttpException.in(cause).map(d -> Math.min(d.toMillis(), retryAfterMaxMillis))
                .orElse(exponential);
    }
}
