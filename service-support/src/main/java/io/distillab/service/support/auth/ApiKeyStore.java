package io.distillab.service.support.auth;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code api_key} table of a service's own database (each service's Flyway migration creates
 * it): a key's name, its role and the SHA-256 of the key. The key itself is never stored.
 */
public final class ApiKeyStore {

    /** A stored key as the service knows it: never the key, only what it grants. */
    public record StoredKey(String name, String role, Instant createdAt) {
    }

    private final DataSource dataSource;

    public ApiKeyStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The key whose SHA-256 is {@code hash}, if any. */
    public Optional<StoredKey> findByHash(String hash) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(
                     "SELECT name, role, created_at FROM api_key WHERE key_sha256 = ?")) {
            s.setString(1, hash);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(row(r)) : Optional.empty();
            }
        }
    }

    public boolean exists(String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT 1 FROM api_key WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    /**
     * Stores a new key's hash under {@code name}. False when the name is taken (another replica may
     * have stored its key first; the unique name decides).
     */
    public boolean insert(String name, String role, String keyHash) throws SQLException {
        return insert(name, role, keyHash, "ON CONFLICT (name) DO NOTHING");
    }

    /**
     * Stores a key's hash unless its name or its hash is stored already: true when this call stored
     * it. Replicas starting together with the same keys all succeed; one of them inserts.
     */
    public boolean insertIfAbsent(String name, String role, String keyHash) throws SQLException {
        return insert(name, role, keyHash, "ON CONFLICT DO NOTHING");
    }

    private boolean insert(String name, String role, String keyHash, String onConflict) throws SQLException {
        if (!Roles.isRole(role)) {
            throw new IllegalArgumentException("not a role: " + role);
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(
                     "INSERT INTO api_key (name, role, key_sha256, created_at) VALUES (?, ?, ?, ?) " + onConflict)) {
            s.setString(1, name);
            s.setString(2, role);
            s.setString(3, keyHash);
            s.setTimestamp(4, Timestamp.from(Instant.now()));
            return s.executeUpdate() == 1;
        }
    }

    public boolean delete(String name) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM api_key WHERE name = ?")) {
            s.setString(1, name);
            return s.executeUpdate() == 1;
        }
    }

    public List<StoredKey> list() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT name, role, created_at FROM api_key ORDER BY name");
             ResultSet r = s.executeQuery()) {
            List<StoredKey> out = new ArrayList<>();
            while (r.next()) {
                out.add(row(r));
            }
            return out;
        }
    }

    private static StoredKey row(ResultSet r) throws SQLException {
        return new StoredKey(r.getString(1), r.getString(2), r.getTimestamp(3).toInstant());
    }
}
