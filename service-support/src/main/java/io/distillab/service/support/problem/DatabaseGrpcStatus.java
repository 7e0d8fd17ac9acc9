package io.distillab.service.support.problem;

import io.distillab.service.support.limits.GrpcRateLimitInterceptor;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * {@link DatabaseProblemMappers}' 503 for gRPC: UNAVAILABLE (the status gRPC clients retry) with a
 * {@code retry-after} trailer in seconds, as the rate limit sends it, and the same fixed text; never
 * the driver's message. Each service's gRPC error mapping asks this first, so that an outage is not
 * answered INTERNAL like a bug.
 */
public final class DatabaseGrpcStatus {
    private static final Logger LOG = Logger.getLogger(DatabaseGrpcStatus.class);
    private static final Metadata.Key<String> RETRY_AFTER =
            Metadata.Key.of(GrpcRateLimitInterceptor.RETRY_AFTER, Metadata.ASCII_STRING_MARSHALLER);

    private DatabaseGrpcStatus() {
    }

    /** UNAVAILABLE when {@code t} comes from an unreachable database; empty for anything else. */
    public static Optional<StatusRuntimeException> of(Throwable t) {
        if (!DatabaseUnavailable.isCause(t)) {
            return Optional.empty();
        }
        LOG.warnf("Database unavailable, answering gRPC UNAVAILABLE: %s", DatabaseUnavailable.summary(t));
        Metadata trailers = new Metadata();
        trailers.put(RETRY_AFTER, String.valueOf(DatabaseProblemMappers.RETRY_AFTER_SECONDS));
        return Optional.of(Status.UNAVAILABLE.withDescription(DatabaseProblemMappers.TITLE + ": "
                + DatabaseProblemMappers.DETAIL).asRuntimeException(trailers));
    }
}
