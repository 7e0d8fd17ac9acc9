package io.distillab.service.support.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.service.support.EmbeddedPostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keys from the configuration against a real PostgreSQL: stored hashed, once, by concurrent replicas too. */
class BootstrapKeysTest {
    private static final String KEY_A = "dlk_" + "a".repeat(43);
    private static final String KEY_B = "dlk_" + "B0-_".repeat(10);
    private static EmbeddedPostgresServer postgres;
    private static ApiKeyStore store;

    @BeforeAll
    static void start() throws SQLException {
        postgres = EmbeddedPostgresServer.startThrowaway();
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE api_key (name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN "
                    + "('reader', 'writer', 'admin')), key_sha256 CHAR(64) NOT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL)");
        }
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(postgres.jdbcUrl());
        store = new ApiKeyStore(ds);
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Test
    void parsesNameRoleKeyEntries() {
        assertEquals(List.of(), BootstrapKeys.parse(" "));
        List<BootstrapKeys.BootstrapKey> keys = BootstrapKeys.parse(" metrics-service:writer:" + KEY_A + " , ops:admin:" + KEY_B);
        assertEquals(List.of(new BootstrapKeys.BootstrapKey("metrics-service", "writer", KEY_A),
                new BootstrapKeys.BootstrapKey("ops", "admin", KEY_B)), keys);
        assertFalse(keys.get(0).toString().contains(KEY_A.substring(4)), "toString hides the key");
    }

    @Test
    void refusesMalformedEntriesNamingThemWithoutTheKey() {
        Map<String, String> refused = Map.of(
                "ci:writer", "entry 1: expected name:role:key",
                "ok:reader:" + KEY_A + ",ci:owner:" + KEY_B, "entry 2: role must be one of reader, writer, admin",
                "ci:writer:dlk_short", "entry 1: key must be dlk_ and at least 32",
                "ci:writer:" + KEY_A.substring(4), "entry 1: key must be dlk_",
                "-ci:writer:" + KEY_A, "entry 1: name must be",
                "local-admin:admin:" + KEY_A, "entry 1: the name 'local-admin' is the local admin key's",
                "ci:writer:" + KEY_A + ",ci:reader:" + KEY_B, "entry 2: the name 'ci' is given twice");
        refused.forEach((setting, message) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BootstrapKeys.parse(setting));
            assertTrue(e.getMessage().startsWith("distillab.auth.bootstrap-keys " + message), e.getMessage());
            assertFalse(e.getMessage().contains(KEY_B.substring(4)) || e.getMessage().contains("aaaaaaaa"), e.getMessage());
        });
    }

    @Test
    void storedHashedOnceEvenByReplicasStartingTogether() throws Exception {
        List<BootstrapKeys.BootstrapKey> keys = BootstrapKeys.parse("replica-test:reader:" + KEY_B);
        ExecutorService replicas = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Map<String, BootstrapKeys.Outcome>>> starts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                starts.add(() -> BootstrapKeys.ensure(store, keys));
            }
            List<BootstrapKeys.Outcome> outcomes = new ArrayList<>();
            for (Future<Map<String, BootstrapKeys.Outcome>> f : replicas.invokeAll(starts)) {
                outcomes.add(f.get().get("replica-test"));
            }
            assertEquals(1, outcomes.stream().filter(o -> o == BootstrapKeys.Outcome.STORED).count(), outcomes.toString());
            assertEquals(7, outcomes.stream().filter(o -> o == BootstrapKeys.Outcome.PRESENT).count(), outcomes.toString());
        } finally {
            replicas.shutdownNow();
        }
        ApiKeyStore.StoredKey stored = store.findByHash(ApiKeys.hash(KEY_B)).orElseThrow();
        assertEquals("replica-test", stored.name());
        assertEquals("reader", stored.role());
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl()); Statement s = c.createStatement();
             var r = s.executeQuery("SELECT key_sha256 FROM api_key WHERE name = 'replica-test'")) {
            assertTrue(r.next());
            // sha256 of the key's text, computed independently of ApiKeys.hash
            assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(KEY_B.getBytes(java.nio.charset.StandardCharsets.US_ASCII))), r.getString(1));
            assertFalse(r.getString(1).contains(KEY_B.substring(4)));
        }
    }

    @Test
    void aNameStoredWithAnotherKeyOrRoleIsLeftAndReported() throws Exception {
        store.delete("rotated");
        store.delete("promoted");
        BootstrapKeys.ensure(store, BootstrapKeys.parse("rotated:writer:dlk_" + "r".repeat(40)));
        assertEquals(Map.of("rotated", BootstrapKeys.Outcome.CONFLICT),
                BootstrapKeys.ensure(store, BootstrapKeys.parse("rotated:writer:dlk_" + "s".repeat(40))));
        assertTrue(store.findByHash(ApiKeys.hash("dlk_" + "s".repeat(40))).isEmpty(), "the new key is not accepted");
        BootstrapKeys.ensure(store, BootstrapKeys.parse("promoted:reader:dlk_" + "p".repeat(40)));
        assertEquals(Map.of("promoted", BootstrapKeys.Outcome.CONFLICT),
                BootstrapKeys.ensure(store, BootstrapKeys.parse("promoted:admin:dlk_" + "p".repeat(40))));
        assertEquals("reader", store.findByHash(ApiKeys.hash("dlk_" + "p".repeat(40))).orElseThrow().role());
    }
}
