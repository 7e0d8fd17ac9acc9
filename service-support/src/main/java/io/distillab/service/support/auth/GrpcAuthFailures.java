package io.distillab.service.support.auth;

import io.distillab.service.support.errors.ErrorReference;
import io.distillab.service.support.problem.DatabaseGrpcStatus;
import io.distillab.service.support.problem.DatabaseUnavailable;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.auth.AuthExceptionHandler;
import io.quarkus.grpc.auth.AuthExceptionHandlerProvider;
import io.quarkus.grpc.auth.DefaultAuthExceptionHandlerProvider;
import io.quarkus.runtime.LaunchMode;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * gRPC's answer when a caller cannot be authenticated, as {@link SecurityProblemMappers} gives it
 * over REST: an API key store that cannot be read says nothing about the key, so it is not
 * UNAUTHENTICATED (a client would drop a valid key) but the database's UNAVAILABLE with
 * retry-after while PostgreSQL is unreachable, INTERNAL with a log reference for another database
 * error. Everything else is Quarkus's default (UNAUTHENTICATED, PERMISSION_DENIED).
 *
 * <p>An enabled alternative, not only a higher {@link #getPriority}: quarkus-grpc also resolves the
 * provider as one bean ({@code Instance.isResolvable}) when it maps a failed call's exception, and
 * with two plain beans that lookup is ambiguous, so it fell back to UNKNOWN with the exception's
 * class and message (seen in the outage drill).
 */
@ApplicationScoped
@Alternative
@Priority(1)
public class GrpcAuthFailures implements AuthExceptionHandlerProvider {
    private static final Logger LOG = Logger.getLogger(GrpcAuthFailures.class);
    private final DefaultAuthExceptionHandlerProvider defaults = new DefaultAuthExceptionHandlerProvider();
    private final boolean describe = LaunchMode.current().isDevOrTest();

    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 1;
    }

    @Override
    public <ReqT, RespT> AuthExceptionHandler<ReqT, RespT> createHandler(ServerCall.Listener<ReqT> listener,
                                                                         ServerCall<ReqT, RespT> serverCall,
                                                                         Metadata metadata) {
        return new AuthExceptionHandler<>(listener, serverCall, metadata, describe) {
            @Override
            protected void handleException(Throwable t, ServerCall<ReqT, RespT> call, Metadata headers) {
                Optional<StatusRuntimeException> database = database(t);
                if (database.isPresent()) {
                    call.close(database.get().getStatus(), database.get().getTrailers());
                } else {
                    super.handleException(t, call, headers);
                }
            }
        };
    }

    @Override
    public StatusException transformToStatusException(Throwable t) {
        return database(t).map(e -> new StatusException(e.getStatus(), e.getTrailers()))
                .orElseGet(() -> defaults.transformToStatusException(t));
    }

    @Override
    public boolean handlesException(Throwable t) {
        return defaults.handlesException(t);
    }

    /** The database's status when the failure came from reading the key store, else empty. */
    static Optional<StatusRuntimeException> database(Throwable t) {
        if (!DatabaseUnavailable.fromDatabase(t)) {
            return Optional.empty();
        }
        Optional<StatusRuntimeException> unavailable = DatabaseGrpcStatus.of(t);
        if (unavailable.isPresent()) {
            return unavailable;
        }
        String reference = ErrorReference.next();
        LOG.errorf(t, "gRPC authentication failed on a database error, reference %s", reference);
        return Optional.of(Status.INTERNAL.withDescription(ErrorReference.message(reference)).asRuntimeException());
    }
}
