package io.distillab.service.support.limits;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The per-client request rate of the REST API and gRPC ({@code distillab.limits.rate.*}): a token
 * bucket per client, shared by both, see {@link ClientRateLimiter}, {@link RateLimitFilter} and
 * {@link GrpcRateLimitInterceptor}.
 */
@ApplicationScoped
public class RateLimits {
    private volatile Settings settings;
    private volatile ClientRateLimiter limiter;

    /** The limits in force. */
    public record Settings(boolean enabled, double perSecond, int burst, int maxClients) {
    }

    RateLimits(@ConfigProperty(name = "distillab.limits.rate.enabled") boolean enabled,
               @ConfigProperty(name = "distillab.limits.rate.requests-per-second") double perSecond,
               @ConfigProperty(name = "distillab.limits.rate.burst") int burst,
               @ConfigProperty(name = "distillab.limits.rate.max-clients") int maxClients) {
        use(new Settings(enabled, perSecond, burst, maxClients));
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Puts other limits in force at once, every client starting with a full bucket (the tests
     * provoke a refusal with small ones without slowing every other test of the application).
     */
    public synchronized void use(Settings s) {
        limiter = new ClientRateLimiter(s.perSecond(), s.burst(), s.maxClients(), System::nanoTime);
        settings = s;
    }

    /** 0: admitted; else nanoseconds until this client may send again. */
    long admit(String client) {
        return settings.enabled() ? limiter.admit(client) : 0;
    }
}
