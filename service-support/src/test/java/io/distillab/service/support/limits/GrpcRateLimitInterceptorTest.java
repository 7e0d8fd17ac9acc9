package io.distillab.service.support.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The interceptor on hand-made calls (no server, no Vert.x): the rate is so slow (one token in
 * 1000 s) that no token comes back during a test, so the outcomes are exact.
 */
class GrpcRateLimitInterceptorTest {
    private static final double SLOW = 0.001;
    private final RateLimits limits = new RateLimits(true, SLOW, 2, 100);
    private final FakeAssociation association = new FakeAssociation();
    private final GrpcRateLimitInterceptor interceptor = new GrpcRateLimitInterceptor(limits, () -> association);

    @Test
    void aPrincipalPastItsBurstIsRefusedWithRetryAfterWhileAnotherGoesOn() {
        association.next = Uni.createFrom().item(identity("alice"));
        assertTrue(run("metrics.v1.Metrics/ListDatasets", "10.0.0.1").started);
        assertTrue(run("metrics.v1.Metrics/ListDatasets", "10.0.0.2").started, "the principal, not the address, counts");

        Call refused = run("metrics.v1.Metrics/ListDatasets", "10.0.0.1");
        assertEquals(false, refused.started);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.status.getCode());
        // one token at 0.001/s takes 1000 s
        assertEquals("1000", refused.trailers.get(GrpcRateLimitInterceptor.RETRY_AFTER_KEY));
        assertTrue(refused.status.getDescription().contains("distillab.limits.rate"), refused.status.getDescription());
        assertEquals(List.of(), refused.delivered, "nothing of a refused call reaches the service");

        association.next = Uni.createFrom().item(identity("bob"));
        assertTrue(run("metrics.v1.Metrics/ListDatasets", "10.0.0.1").started);
    }

    @Test
    void anonymousCallsAndFailedTokensCountAgainstTheirAddress() {
        association.next = Uni.createFrom().item(QuarkusSecurityIdentity.builder().setAnonymous(true).build());
        assertTrue(run("m/A", "10.0.0.7").started);
        association.next = Uni.createFrom().failure(new SecurityException("bad token"));
        assertTrue(run("m/A", "10.0.0.7").started, "a failed token is the endpoint's to refuse");
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, run("m/A", "10.0.0.7").status.getCode());
        assertTrue(run("m/A", "10.0.0.8").started);
    }

    @Test
    void eventsBeforeTheIdentityIsKnownAreReplayedInOrderAndTheIdentityIsMemoized() {
        CompletableFuture<SecurityIdentity> later = new CompletableFuture<>();
        int[] authentications = {0};
        association.next = Uni.createFrom().completionStage(() -> {
            authentications[0]++;
            return later;
        });
        association.newCall();
        Call call = new Call("m/A", "10.0.0.9");
        ServerCall.Listener<String> listener = interceptor.interceptCall(call, new Metadata(), call);
        listener.onMessage("request");
        listener.onHalfClose();
        assertEquals(false, call.started, "held until the client is known");

        later.complete(identity("carol"));
        assertTrue(call.started);
        assertEquals(List.of("message request", "half-close"), call.delivered);
        listener.onComplete();
        assertEquals(List.of("message request", "half-close", "complete"), call.delivered);

        // the endpoint's role check reads the memoized identity: no second authentication
        assertEquals("carol", association.getDeferredIdentity().await().indefinitely().getPrincipal().getName());
        assertEquals(1, authentications[0]);
    }

    @Test
    void aCallCancelledBeforeItsClientIsKnownIsNeverStartedAndUsesNoToken() {
        CompletableFuture<SecurityIdentity> later = new CompletableFuture<>();
        association.newCall();
        association.next = Uni.createFrom().completionStage(later);
        Call call = new Call("m/A", "10.0.0.4");
        ServerCall.Listener<String> listener = interceptor.interceptCall(call, new Metadata(), call);
        listener.onMessage("request");
        listener.onCancel();
        later.complete(identity("erin"));
        assertEquals(false, call.started);
        assertNull(call.status, "nothing to close: the client is gone");
        // erin's burst of 2 is whole
        association.next = Uni.createFrom().item(identity("erin"));
        assertTrue(run("m/A", "10.0.0.4").started);
        assertTrue(run("m/A", "10.0.0.4").started);
    }

    @Test
    void grpcsOwnServicesAndADisabledLimitAreNotCounted() {
        limits.use(new RateLimits.Settings(true, SLOW, 1, 100));
        association.next = Uni.createFrom().item(identity("dave"));
        for (int i = 0; i < 3; i++) {
            assertTrue(run("grpc.health.v1.Health/Check", "10.0.0.3").started);
        }
        limits.use(new RateLimits.Settings(false, SLOW, 1, 100));
        for (int i = 0; i < 3; i++) {
            assertTrue(run("m/A", "10.0.0.3").started);
        }
    }

    @Test
    void theAddressIsTheIpAsOnRest() throws Exception {
        assertEquals("10.1.2.3", GrpcRateLimitInterceptor.address(
                new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 53124)));
        assertEquals("unknown", GrpcRateLimitInterceptor.address(null));
        assertEquals("address 10.1.2.3", GrpcRateLimitInterceptor.client(null, "10.1.2.3"));
    }

    private Call run(String method, String address) {
        association.newCall();
        Call call = new Call(method, address);
        ServerCall.Listener<String> listener = interceptor.interceptCall(call, new Metadata(), call);
        listener.onMessage("request");
        listener.onHalfClose();
        return call;
    }

    private static SecurityIdentity identity(String name) {
        return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(name)).addRole("reader").build();
    }

    /** A call from an address, and the service behind it (which records what reaches it). */
    private static final class Call extends ServerCall<String, String> implements ServerCallHandler<String, String> {
        final MethodDescriptor<String, String> method;
        final Attributes attributes;
        final List<String> delivered = new ArrayList<>();
        boolean started;
        Status status;
        Metadata trailers;

        Call(String fullMethodName, String address) {
            MethodDescriptor.Marshaller<String> text = new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(String value) {
                    return new ByteArrayInputStream(value.getBytes());
                }

                @Override
                public String parse(InputStream stream) {
                    throw new UnsupportedOperationException();
                }
            };
            method = MethodDescriptor.<String, String>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(fullMethodName).setRequestMarshaller(text).setResponseMarshaller(text).build();
            try {
                attributes = Attributes.newBuilder().set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR,
                        new InetSocketAddress(InetAddress.getByName(address), 40000)).build();
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(e);
            }
        }

        @Override
        public Listener<String> startCall(ServerCall<String, String> call, Metadata headers) {
            started = true;
            return new Listener<>() {
                @Override
                public void onMessage(String message) {
                    delivered.add("message " + message);
                }

                @Override
                public void onHalfClose() {
                    delivered.add("half-close");
                }

                @Override
                public void onComplete() {
                    delivered.add("complete");
                }
            };
        }

        @Override
        public void close(Status status, Metadata trailers) {
            this.status = status;
            this.trailers = trailers;
        }

        @Override
        public Attributes getAttributes() {
            return attributes;
        }

        @Override
        public MethodDescriptor<String, String> getMethodDescriptor() {
            return method;
        }

        @Override
        public void request(int numMessages) {
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public void sendMessage(String message) {
        }

        @Override
        public boolean isCancelled() {
            return false;
        }
    }

    /** What Quarkus's security interceptor leaves: an identity to come. */
    private static final class FakeAssociation implements CurrentIdentityAssociation {
        Uni<SecurityIdentity> next;
        private Uni<SecurityIdentity> current;

        @Override
        public void setIdentity(SecurityIdentity identity) {
            current = Uni.createFrom().item(identity);
        }

        @Override
        public void setIdentity(Uni<SecurityIdentity> identity) {
            current = identity;
        }

        @Override
        public SecurityIdentity getIdentity() {
            return getDeferredIdentity().await().indefinitely();
        }

        @Override
        public Uni<SecurityIdentity> getDeferredIdentity() {
            return current != null ? current : next;
        }

        /** A new call: a new request scope, nothing set yet. */
        void newCall() {
            current = null;
        }
    }
}
