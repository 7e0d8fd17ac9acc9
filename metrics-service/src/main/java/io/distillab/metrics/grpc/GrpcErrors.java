package io.distillab.metrics.grpc;

import io.distillab.core.importer.ImportException;
import io.distillab.service.support.problem.Problem;
import io.distillab.service.support.problem.ProblemException;
import io.distillab.service.support.paging.InvalidParameterException;
import io.distillab.service.support.grpc.GrpcCalls;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.jboss.logging.Logger;

/**
 * The REST API's problems as gRPC statuses: 400 is INVALID_ARGUMENT, 404 NOT_FOUND, 409
 * FAILED_PRECONDITION (ALREADY_EXISTS for a taken name). The offending field, file and record travel
 * as trailers {@code x-field}, {@code x-file}, {@code x-record}; a page or size out of range is
 * INVALID_ARGUMENT naming it. Anything unexpected, an IllegalArgumentException from inside
 * included (REST answers it 500), is INTERNAL with a reference to the log line, never the
 * exception's text; an unreachable database is UNAVAILABLE.
 */
final class GrpcErrors {
    private static final Logger LOG = Logger.getLogger(GrpcErrors.class);
    static final Metadata.Key<String> FIELD = Metadata.Key.of("x-field", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> FILE = Metadata.Key.of("x-file", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> RECORD = Metadata.Key.of("x-record", Metadata.ASCII_STRING_MARSHALLER);

    private GrpcErrors() {
    }

    static RuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof ImportException e) {
            Metadata trailers = new Metadata();
            put(trailers, FIELD, e.field());
            put(trailers, FILE, e.file());
            put(trailers, RECORD, e.record());
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage() + " (nothing of this file was stored)")
                    .asRuntimeException(trailers);
        }
        if (t instanceof ProblemException e) {
            Problem p = e.problem();
            Status status = switch (p.status()) {
                case 400 -> Status.INVALID_ARGUMENT;
                case 404 -> Status.NOT_FOUND;
                case 409 -> p.detail() != null && p.detail().contains("exists already") ? Status.ALREADY_EXISTS
                        : Status.FAILED_PRECONDITION;
                default -> Status.UNKNOWN;
            };
            Metadata trailers = new Metadata();
            put(trailers, FIELD, p.field());
            return status.withDescription(p.detail()).asRuntimeException(trailers);
        }
        if (t instanceof InvalidParameterException e) {
            Metadata trailers = new Metadata();
            put(trailers, FIELD, e.parameter());
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException(trailers);
        }
        return GrpcCalls.unexpected(LOG, t);
    }

    private static void put(Metadata m, Metadata.Key<String> key, String value) {
        if (value != null) {
            // ASCII metadata: anything else is escaped rather than rejected
            m.put(key, value.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? value
                    : value.codePoints().mapToObj(c -> c >= 0x20 && c < 0x7f ? String.valueOf((char) c)
                            : String.format("\\u%04x", c)).reduce("", String::concat));
        }
    }
}
