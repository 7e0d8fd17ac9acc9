package io.distillab.trainer.grpc;

import io.distillab.core.importer.ImportException;
import io.distillab.trainer.job.InvalidJobException;
import io.distillab.trainer.job.JobService;
import io.distillab.service.support.problem.Problem;
import io.distillab.service.support.problem.ProblemException;
import io.distillab.trainer.problem.ProblemMappers;
import io.distillab.service.support.grpc.GrpcCalls;
import io.distillab.service.support.paging.InvalidParameterException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.jboss.logging.Logger;

/**
 * The REST API's problems as gRPC statuses: 400 is INVALID_ARGUMENT, 404 NOT_FOUND, 409
 * FAILED_PRECONDITION, 422 FAILED_PRECONDITION, 503 UNAVAILABLE. The offending field travels as the
 * trailer {@code x-field}. Anything unexpected is INTERNAL with a reference to the log line, never
 * the exception's text.
 */
final class GrpcErrors {
    private static final Logger LOG = Logger.getLogger(GrpcErrors.class);
    static final Metadata.Key<String> FIELD = Metadata.Key.of("x-field", Metadata.ASCII_STRING_MARSHALLER);

    private GrpcErrors() {
    }

    static RuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        Problem p = t instanceof ProblemException e ? e.problem()
                : t instanceof InvalidParameterException e
                        ? Problem.of(400, "invalid-request", "Invalid request", e.getMessage(), e.parameter())
                : t instanceof InvalidJobException e ? ProblemMappers.of(e)
                : t instanceof ImportException e ? ProblemMappers.of(e)
                : t instanceof JobService.UncheckedJson e ? ProblemMappers.of(e.json())
                : null;
        if (p == null) {
            return GrpcCalls.unexpected(LOG, t);
        }
        Status status = switch (p.status()) {
            case 400 -> Status.INVALID_ARGUMENT;
            case 404 -> Status.NOT_FOUND;
            case 409, 422 -> Status.FAILED_PRECONDITION;
            case 503 -> Status.UNAVAILABLE;
            default -> Status.UNKNOWN;
        };
        Metadata trailers = new Metadata();
        if (p.field() != null) {
            trailers.put(FIELD, p.field().chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? p.field() : "?");
        }
        return status.withDescription(p.detail()).asRuntimeException(trailers);
    }
}
