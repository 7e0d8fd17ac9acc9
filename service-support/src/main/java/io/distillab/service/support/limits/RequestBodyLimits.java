package io.distillab.service.support.limits;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Request body limits at the HTTP layer, answered in the problem format.
 *
 * <p>Quarkus refuses a body over {@code quarkus.http.limits.max-body-size} itself with a bare 413
 * and no body: a route at order -2 checks Content-Length, and Quarkus REST's request stream cuts a
 * chunked body off at the size that route leaves in the routing context. So this class installs
 * two routes around it:
 * <ul>
 *   <li>order -3, before Quarkus's: a Content-Length over the limit of the request's path is
 *       refused here, with a problem naming the setting (Quarkus's own check then never fires,
 *       since its limit is {@code distillab.limits.upload-bytes}, the largest of ours);</li>
 *   <li>order -1, after it: the size Quarkus REST's stream enforces becomes the path's limit plus
 *       {@value #SLACK_BYTES} bytes, so that a chunked body is counted and refused by our own
 *       {@link LimitedInputStream} (uploads) or {@link JsonBodyLimit} (JSON) at exactly the limit,
 *       inside the endpoint, where the refusal rolls back what was written and answers a problem.
 *       The slack is more than the one chunk Quarkus reads ahead; past it Quarkus's bare 413 is
 *       the last resort.</li>
 * </ul>
 * Upload paths ({@code distillab.limits.upload-paths}, a regular expression each service sets to
 * its file upload endpoints) get {@code distillab.limits.upload-bytes}; every other request
 * {@code distillab.limits.body-bytes}. gRPC has its own limit
 * ({@code quarkus.grpc.server.max-inbound-message-size}).
 */
@ApplicationScoped
public class RequestBodyLimits {
    static final String QUARKUS_REQUEST_SIZE_KEY = "io.quarkus.max-request-size";
    static final long SLACK_BYTES = 1 << 20;
    public static final String UPLOAD_SETTING = "distillab.limits.upload-bytes";
    public static final String BODY_SETTING = "distillab.limits.body-bytes";

    private final long uploadBytes;
    private final long bodyBytes;
    private final Pattern uploadPaths;

    RequestBodyLimits(@ConfigProperty(name = UPLOAD_SETTING) MemorySize uploadBytes,
                      @ConfigProperty(name = BODY_SETTING) MemorySize bodyBytes,
                      @ConfigProperty(name = "distillab.limits.upload-paths", defaultValue = "^$") String uploadPaths) {
        this.uploadBytes = uploadBytes.asLongValue();
        this.bodyBytes = bodyBytes.asLongValue();
        this.uploadPaths = Pattern.compile(uploadPaths);
    }

    /** The largest upload a file endpoint takes, in bytes. */
    public long uploadBytes() {
        return uploadBytes;
    }

    /** The largest other request body (JSON), in bytes. */
    public long bodyBytes() {
        return bodyBytes;
    }

    void install(@Observes Router router) {
        router.route().order(-3).handler(this::refuseDeclaredOversize);
        router.route().order(-1).handler(rc -> {
            rc.put(QUARKUS_REQUEST_SIZE_KEY, limitOf(rc.normalizedPath()) + SLACK_BYTES);
            rc.next();
        });
    }

    private void refuseDeclaredOversize(RoutingContext rc) {
        String declared = rc.request().getHeader("Content-Length");
        String path = rc.normalizedPath();
        long limit = limitOf(path);
        long length;
        try {
            length = declared == null ? -1 : Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            length = -1; // Netty refuses a malformed Content-Length before this runs
        }
        if (length <= limit || isGrpc(rc)) {
            rc.next();
            return;
        }
        String setting = isUpload(path) ? UPLOAD_SETTING : BODY_SETTING;
        rc.response().setStatusCode(413)
                .putHeader("Content-Type", LimitProblems.MEDIA_TYPE)
                // the body will not be read: the connection cannot carry another request after it
                .putHeader("Connection", "close")
                .end(Json.encode(LimitProblems.tooLarge("body", "the request body (Content-Length " + length
                        + ") is larger than the limit of " + limit + " bytes (" + setting + ")", limit, setting)));
    }

    private long limitOf(String path) {
        return isUpload(path) ? uploadBytes : bodyBytes;
    }

    private boolean isUpload(String path) {
        return uploadPaths.matcher(path).matches();
    }

    private static boolean isGrpc(RoutingContext rc) {
        String type = rc.request().getHeader("Content-Type");
        return type != null && type.startsWith("application/grpc");
    }
}
