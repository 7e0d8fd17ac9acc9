package io.distillab.service.support.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.service.support.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local admin key against a real PostgreSQL: made once, kept hashed, its file owner-only. */
class LocalAdminKeyTest {
    private static EmbeddedPostgresServer postgres;
    private static ApiKeyStore store;

    @BeforeAll
    static void start() throws SQLException {
        postgres = EmbeddedPostgresServer.startThrowaway();
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl()); Statement s = c.createStatement()) {
            // the services' migration (V*__api_keys.sql)
            s.execute("CREATE TABLE api_key (name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN "
                    + "('reader', 'writer', 'admin')), key_sha256 CHAR(64) NOT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL)");
        }
        store = new ApiKeyStore(dataSource(postgres.jdbcUrl()));
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Test
    void madeOnceStoredOnlyAsItsHashInAnOwnerOnlyFile(@TempDir Path dir) throws Exception {
        store.delete(LocalAdminKey.NAME);
        Path file = dir.resolve("svc").resolve("admin-key");
        List<String> announced = new ArrayList<>();

        Optional<String> key = LocalAdminKey.ensure(store, file, announced::add);

        assertTrue(key.isPresent());
        assertEquals(List.of(key.get()), announced);
        assertEquals(key.get(), Files.readString(file).trim());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(key.get().matches("dlk_[A-Za-z0-9_-]{43}"), key.get());
        ApiKeyStore.StoredKey stored = store.findByHash(ApiKeys.hash(key.get())).orElseThrow();
        assertEquals("admin", stored.role());
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl()); Statement s = c.createStatement();
             var r = s.executeQuery("SELECT name || role || key_sha256 FROM api_key")) {
            while (r.next()) {
                assertFalse(r.getString(1).contains(key.get().substring(4)), "the key itself is not stored");
            }
        }

        // the second start makes none and announces nothing; the file stays
        assertEquals(Optional.empty(), LocalAdminKey.ensure(store, file, announced::add));
        assertEquals(1, announced.size());
        assertEquals(key.get(), Files.readString(file).trim());
    }

    @Test
    void hashIsTheHexSha256OfTheKey() {
        // sha256("abc"), FIPS 180-2 appendix B.1
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeys.hash("abc"));
    }

    private static DataSource dataSource(String url) {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(url);
        return ds;
    }
}
