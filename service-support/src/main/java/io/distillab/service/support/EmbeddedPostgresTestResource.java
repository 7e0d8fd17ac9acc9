package io.distillab.service.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} a real PostgreSQL (never H2): a throwaway embedded server per
 * test run, removed when the tests end.
 *
 * <p>Use with {@code @QuarkusTestResource(EmbeddedPostgresTestResource.class)} or, better, from
 * the module's single shared {@code QuarkusTestProfile#testResources()} so that all tests share
 * one Quarkus boot. It lives in main scope (its Quarkus test API is a provided dependency) so
 * that every service's tests can use it without a test-jar.
 */
public class EmbeddedPostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private EmbeddedPostgresServer server;

    @Override
    public Map<String, String> start() {
        server = EmbeddedPostgresServer.startThrowaway();
        return server.datasourceProperties();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
