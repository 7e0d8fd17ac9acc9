package io.distillab.service.support.grpc;

import io.distillab.service.support.errors.ErrorReference;
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
     * A bug or an outage: the exception goes to {@code log} (the service's mapper's logger), the caller
     * gets INTERNAL with its reference only, never the exception's text.
     */
    public static RuntimeException internal(Logger log, Throwable t) {
        String reference = ErrorReference.next();
        log.errorf(t, "gRPC call failed: internal error, reference %s", reference);
        return Status.INTERNAL.withDescription(ErrorReference.message(reference)).asRuntimeException();
    }
}
