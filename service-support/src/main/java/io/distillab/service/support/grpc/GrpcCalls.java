package io.distillab.service.support.grpc;

import io.distillab.service.support.errors.ErrorReference;
import io.distillab.service.support.problem.DatabaseGrpcStatus;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * How the services' gRPC methods run a call of their REST services: the body's failure becomes a
 * gRPC status through the service's own mapping ({@code toStatus}), since each service maps its
 * problems to statuses its own way.
 */
public final class GrpcCalls {
    private GrpcCalls() {
    }

    /** Runs {@code body} on the calling thread (a {@code @Blocking} method is on a worker already). */
    public static <T> Uni<T> call(Callable<T> body, Function<Throwable, RuntimeException> toStatus) {
        try {
            return Uni.createFrom().item(body.call());
        } catch (Exception e) {
            return Uni.createFrom().failure(toStatus.apply(e));
        }
    }

    /**
     * Runs {@code body} on a worker thread when subscribed: for a client-streamed upload, whose
     * method cannot be {@code @Blocking} yet reads the stream with blocking calls.
     */
    public static <T> Uni<T> onWorker(Callable<T> body, Function<Throwable, RuntimeException> toStatus) {
        return Uni.createFrom().item(() -> {
            try {
                return body.call();
            } catch (Exception e) {
                throw toStatus.apply(e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /**
     * What no mapping of the service knew: an unreachable database is UNAVAILABLE with retry-after
     * ({@link DatabaseGrpcStatus}, as REST answers 503); anything else is a bug, whose exception goes
     * to {@code log} (the service's mapper's logger) while the caller gets INTERNAL with its
     * reference only, never the exception's text.
     */
    public static RuntimeException unexpected(Logger log, Throwable t) {
        var database = DatabaseGrpcStatus.of(t);
        if (database.isPresent()) {
            return database.get();
        }
        String reference = ErrorReference.next();
        log.errorf(t, "gRPC call failed: internal error, reference %s", reference);
        return Status.INTERNAL.withDescription(ErrorReference.message(reference)).asRuntimeException();
    }
}
