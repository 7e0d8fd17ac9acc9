package io.distillab.service.support.limits;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InjectableContext;
import io.quarkus.arc.ManagedContext;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.Prioritized;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@link RateLimitFilter}'s gRPC side: a call whose client has used up its rate is closed with
 * {@code RESOURCE_EXHAUSTED}, a description naming the limit and the setting, and the trailer
 * {@value #RETRY_AFTER} (whole seconds, as HTTP's Retry-After). The client and the buckets are the
 * REST API's ({@link RateLimits}): the authenticated principal, else the peer address, so REST and
 * gRPC calls of one client draw on one bucket. gRPC's own services ({@code grpc.health.v1},
 * reflection) are not limited, as health is not on REST.
 *
 * <p>Why the call may be held back: the principal is known only once authentication (an API key
 * looked up in the database, a JWT verified against a JWKS) has finished, which is asynchronous.
 * Quarkus's security interceptor runs before this one and leaves the identity to come; this one
 * waits for it without blocking the event loop, keeps the call's first events (its message,
 * half-close) meanwhile, and then either refuses the call or starts it and replays them, on the
 * call's own Vert.x context and request context. The identity is memoized so the endpoint's role
 * check does not authenticate a second time. A call without a token is decided at once.
 */
@ApplicationScoped
@GlobalInterceptor
public class GrpcRateLimitInterceptor implements ServerInterceptor, Prioritized {
    /** The trailer that tells a refused client how many whole seconds to wait. */
    public static final String RETRY_AFTER = "retry-after";
    static final Metadata.Key<String> RETRY_AFTER_KEY = Metadata.Key.of(RETRY_AFTER, Metadata.ASCII_STRING_MARSHALLER);
    /** Below Quarkus's security interceptor (Integer.MAX_VALUE - 100), so that it has run first. */
    static final int PRIORITY = 1000;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final RateLimits limits;
    /** Null in a service without quarkus-security: then every client is its address. */
    private final Supplier<CurrentIdentityAssociation> identity;

    @Inject
    GrpcRateLimitInterceptor(RateLimits limits, Instance<CurrentIdentityAssociation> identity) {
        this(limits, identity.isResolvable() ? identity::get : () -> null);
    }

    GrpcRateLimitInterceptor(RateLimits limits, Supplier<CurrentIdentityAssociation> identity) {
        this.limits = limits;
        this.identity = identity;
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                       ServerCallHandler<Q, A> next) {
        if (!limits.settings().enabled() || call.getMethodDescriptor().getFullMethodName().startsWith("grpc.")) {
            return next.startCall(call, headers);
        }
        String address = address(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        CurrentIdentityAssociation association = identity.get();
        if (association == null) {
            return decide(call, headers, next, "address " + address);
        }
        // memoized: the endpoint's @RolesAllowed check reads the same identity, authenticated once
        Uni<SecurityIdentity> memo = association.getDeferredIdentity().memoize().indefinitely();
        association.setIdentity(memo);
        HeldCall<Q, A> held = new HeldCall<>(call, headers, next);
        // a token that fails authentication is refused by the endpoint's own check; here its call
        // counts against its address, as on REST
        memo.onFailure().recoverWithNull().subscribe().with(id -> held.decide(client(id, address)));
        return held.listenerForNow();
    }

    private <Q, A> ServerCall.Listener<Q> decide(ServerCall<Q, A> call, Metadata headers,
                                                 ServerCallHandler<Q, A> next, String client) {
        long waitNanos = limits.admit(client);
        if (waitNanos == 0) {
            return next.startCall(call, headers);
        }
        refuse(call, waitNanos);
        return new ServerCall.Listener<>() {
        };
    }

    private void refuse(ServerCall<?, ?> call, long waitNanos) {
        long seconds = Math.max(1, (waitNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
        RateLimits.Settings s = limits.settings();
        Metadata trailers = new Metadata();
        trailers.put(RETRY_AFTER_KEY, Long.toString(seconds));
        call.close(Status.RESOURCE_EXHAUSTED.withDescription("too many requests: more than " + s.burst()
                + " calls at once or " + s.perSecond() + " a second from this client (distillab.limits.rate.*); "
                + "retry after " + seconds + " s"), trailers);
    }

    static String client(SecurityIdentity id, String address) {
        return id != null && !id.isAnonymous() ? "principal " + id.getPrincipal().getName() : "address " + address;
    }

    /** The same text as REST's remote address (an IP without port), so both count on one bucket. */
    static String address(SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet) {
            return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
        }
        return remote == null ? "unknown" : remote.toString();
    }

    /**
     * A call waiting for its client to be known. Its events until then are kept in order; the
     * decision and every later event run on the call's Vert.x context (one thread), so no event
     * overtakes the replay. Without a Vert.x context (tests) it runs where the decision arrives.
     */
    private final class HeldCall<Q, A> {
        private final ServerCall<Q, A> call;
        private final Metadata headers;
        private final ServerCallHandler<Q, A> next;
        private final Context vertx = Vertx.currentContext();
        private final ManagedContext requests = Arc.container() == null ? null : Arc.container().requestContext();
        private final InjectableContext.ContextState requestState =
                requests != null && requests.isActive() ? requests.getState() : null;
        private final List<Consumer<ServerCall.Listener<Q>>> kept = new ArrayList<>();
        private ServerCall.Listener<Q> started;
        private boolean decided;
        private boolean refused;
        /** The client went away before it was known: the call is never started. */
        private boolean cancelledWhileHeld;

        HeldCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            this.call = call;
            this.headers = headers;
            this.next = next;
        }

        void decide(String client) {
            if (vertx == null || Vertx.currentContext() == vertx) {
                decideHere(client);
            } else {
                vertx.runOnContext(ignored -> decideHere(client));
            }
        }

        private synchronized void decideHere(String client) {
            if (cancelledWhileHeld) {
                // nothing to start: its request scope is gone with it, and it used no token
                decided = refused = true;
                return;
            }
            long waitNanos = limits.admit(client);
            decided = true;
            if (waitNanos != 0) {
                refused = true;
                kept.clear();
                refuse(call, waitNanos);
                return;
            }
            withRequestContext(() -> {
                started = next.startCall(call, headers);
                kept.forEach(event -> event.accept(started));
            });
            kept.clear();
        }

        private void withRequestContext(Runnable body) {
            if (requestState == null || requests.isActive()) {
                body.run();
                return;
            }
            requests.activate(requestState);
            try {
                body.run();
            } finally {
                requests.deactivate();
            }
        }

        private synchronized void event(Consumer<ServerCall.Listener<Q>> event) {
            if (!decided) {
                kept.add(event);
            } else if (!refused) {
                event.accept(started);
            }
        }

        /** The listener gRPC talks to: it forwards to the real one once there is one. */
        ServerCall.Listener<Q> listenerForNow() {
            return new ServerCall.Listener<>() {
                @Override
                public void onMessage(Q message) {
                    event(l -> l.onMessage(message));
                }

                @Override
                public void onHalfClose() {
                    event(ServerCall.Listener::onHalfClose);
                }

                @Override
                public void onCancel() {
                    synchronized (HeldCall.this) {
                        if (!decided) {
                            cancelledWhileHeld = true;
                            kept.clear();
                            return;
                        }
                    }
                    event(ServerCall.Listener::onCancel);
                }

                @Override
                public void onComplete() {
                    event(ServerCall.Listener::onComplete);
                }

                @Override
                public void onReady() {
                    event(ServerCall.Listener::onReady);
                }
            };
        }
    }
}
