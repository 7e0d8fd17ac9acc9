package io.distillab.service.support.limits;

import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a REST request with 429 and Retry-After when its client has used up its rate. The
 * client is the authenticated principal (an API key's name, a JWT's subject), else the remote
 * address. Health and metrics are not REST endpoints and are not limited; gRPC calls draw on the
 * same buckets through {@link GrpcRateLimitInterceptor}.
 * Behind a proxy, the remote address is the proxy's unless
 * {@code quarkus.http.proxy.proxy-address-forwarding} is on.
 */
public class RateLimitFilter {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    @Inject
    RateLimits limits;
    /** Absent in a service without quarkus-security: then every client is its address. */
    @Inject
    Instance<CurrentIdentityAssociation> identity;

    @ServerRequestFilter
    public Uni<Response> limit(HttpServerRequest request) {
        if (!limits.settings().enabled()) {
            return Uni.createFrom().nullItem();
        }
        // a token that fails authentication is refused by the endpoint's own check; here its
        // request counts against its address
        if (!identity.isResolvable()) {
            return Uni.createFrom().item(refusal(limits.admit(client(null, request))));
        }
        return identity.get().getDeferredIdentity().onFailure().recoverWithNull()
                .map(id -> refusal(limits.admit(client(id, request))));
    }

    private static String client(SecurityIdentity id, HttpServerRequest request) {
        if (id != null && !id.isAnonymous()) {
            return "principal " + id.getPrincipal().getName();
        }
        SocketAddress remote = request.remoteAddress();
        return "address " + (remote == null ? "unknown" : remote.hostAddress());
    }

    private Response refusal(long waitNanos) {
        if (waitNanos == 0) {
            return null;
        }
        long seconds = Math.max(1, (waitNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
        RateLimits.Settings s = limits.settings();
        return Response.status(429).type(LimitProblems.MEDIA_TYPE).header("Retry-After", seconds)
                .entity(LimitProblems.tooManyRequests(seconds, s.perSecond(), s.burst())).build();
    }
}
