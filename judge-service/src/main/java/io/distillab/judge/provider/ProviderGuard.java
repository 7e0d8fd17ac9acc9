package io.distillab.judge.provider;

import io.distillab.judge.judgment.ErrorKind;
import io.distillab.judge.judgment.JudgeSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.faulttolerance.api.CustomBackoff;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.jboss.logging.Logger;

/**
 * Every request to the LLM provider passes here.
 *
 * <ul>
 *   <li>Bounded concurrency: at most {@code distillab.judge.llm.max-concurrency} requests in
 *       flight across all callers; the others wait (a fair semaphore) rather than being
 *       rejected, because an evaluation burst should slow down, not fail. A bulkhead would
 *       reject synchronous calls when full.</li>
 *   <li>Retries on 429, 5xx, timeouts, refused connections and answers that are not chat
 *       completions: after the provider's {@code Retry-After} when it sent one, otherwise with
 *       exponential backoff and jitter (500 ms, 1 s, 2 s, 4 s by default; {@link ProviderBackoff}).
 *       The slot is released while waiting.</li>
 *   <li>A circuit breaker: when half of the last 20 attempts failed transiently, calls fail fast
 *       for 30 s instead of piling onto a provider that is down.</li>
 * </ul>
 * All values can be changed through MicroProfile Fault Tolerance configuration, e.g.
 * {@code io.distillab.judge.provider.ProviderGuard/call/Retry/maxRetries=2}.
 */
@ApplicationScoped
public class ProviderGuard {
    private static final Logger LOG = Logger.getLogger(ProviderGuard.class);
    /** The circuit breaker's name, for SmallRye's CircuitBreakerMaintenance. */
    public static final String CIRCUIT = "llm-provider";

    private final MeterRegistry meters;
    private final Semaphore slots;
    private final long queueTimeoutMillis;

    public ProviderGuard(JudgeSettings settings, MeterRegistry meters) {
        this.meters = meters;
        this.slots = new Semaphore(settings.llm().maxConcurrency(), true);
        this.queueTimeoutMillis = settings.llm().queueTimeout().toMillis();
    }

    @Retry(maxRetries = 4, delay = 500, jitter = 200, maxDuration = 120_000, retryOn = TransientProviderException.class)
    @CustomBackoff(ProviderBackoff.class)
    @CircuitBreaker(requestVolumeThreshold = 20, failureRatio = 0.5, delay = 30_000, successThreshold = 2,
            failOn = TransientProviderException.class)
    @CircuitBreakerName(CIRCUIT)
    public String call(Supplier<String> request) {
        acquireSlot();
        try {
            return request.get();
        } catch (RuntimeException e) {
            ProviderException failure = ProviderErrors.classify(e);
            meters.counter("distillab.judge.provider.attempt.failures", "error_kind", failure.kind().wire()).increment();
            LOG.debugf("Provider call failed (%s): %s",
                    failure instanceof TransientProviderException ? "will retry" : "final", failure.getMessage());
            throw failure;
        } finally {
            slots.release();
        }
    }

    private void acquireSlot() {
        try {
            if (!slots.tryAcquire(queueTimeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new ProviderException(ErrorKind.OVERLOADED, "No provider slot free within " + queueTimeoutMillis + " ms", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(ErrorKind.OVERLOADED, "Interrupted while waiting for a provider slot", e);
        }
    }
}
