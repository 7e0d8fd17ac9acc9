package io.distillab.service.support.auth;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * API keys a service accepts from its configuration ({@code distillab.auth.bootstrap-keys}), for
 * deployments whose keys are made outside the service: a Kubernetes Secret holds the keys, each
 * service is told the keys of the services that call it and a first admin key, and stores their
 * hashes at start. The keys themselves are never stored or logged.
 *
 * <p>The setting is a comma-separated list of {@code name:role:key}, e.g.
 * {@code metrics-service:writer:dlk_...,bootstrap-admin:admin:dlk_...}. A key is stored when
 * neither its name nor its hash is stored yet; a name already stored with another key or role is
 * left as it is (an admin may have revoked and replaced it) and reported.
 */
public final class BootstrapKeys {
    /** At least 32 characters of URL-safe base64 after the prefix: 192 random bits and more. */
    private static final Pattern KEY = Pattern.compile(Pattern.quote(ApiKeys.PREFIX) + "[A-Za-z0-9_-]{32,}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    /** One configured key; its {@code toString} never shows the key. */
    public record BootstrapKey(String name, String role, String key) {
        @Override
        public String toString() {
            return "BootstrapKey[name=" + name + ", role=" + role + ", key=dlk_***]";
        }
    }

    /** What starting with a configured key did. */
    public enum Outcome {
        /** Its hash was stored now. */
        STORED,
        /** It was stored before, under the same name and role. */
        PRESENT,
        /** Its name is stored with another key or role, or its key under another name: not accepted as configured. */
        CONFLICT
    }

    private BootstrapKeys() {
    }

    /**
     * Parses the setting; empty or blank gives no keys. A malformed entry is refused naming its
     * position and what is wrong, never echoing the key.
     */
    public static List<BootstrapKey> parse(String setting) {
        List<BootstrapKey> keys = new ArrayList<>();
        if (setting == null || setting.isBlank()) {
            return keys;
        }
        String[] entries = setting.split(",");
        Map<String, Integer> names = new LinkedHashMap<>();
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].trim();
            String where = "distillab.auth.bootstrap-keys entry " + (i + 1) + ": ";
            String[] parts = entry.split(":", -1);
            if (parts.length != 3) {
                throw new IllegalArgumentException(where + "expected name:role:key");
            }
            String name = parts[0].trim();
            String role = parts[1].trim();
            String key = parts[2].trim();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(where + "name must be 1 to 100 of letters, digits, '.', '_', '-'");
            }
            if (name.equals(LocalAdminKey.NAME)) {
                throw new IllegalArgumentException(where + "the name '" + LocalAdminKey.NAME + "' is the local admin key's");
            }
            if (names.putIfAbsent(name, i) != null) {
                throw new IllegalArgumentException(where + "the name '" + name + "' is given twice");
            }
            if (!Roles.isRole(role)) {
                throw new IllegalArgumentException(where + "role must be one of reader, writer, admin");
            }
            if (!KEY.matcher(key).matches()) {
                throw new IllegalArgumentException(where + "key must be " + ApiKeys.PREFIX
                        + " and at least 32 of letters, digits, '_', '-'");
            }
            keys.add(new BootstrapKey(name, role, key));
        }
        return keys;
    }

    /** Stores each key's hash where absent; says per name what happened. */
    public static Map<String, Outcome> ensure(ApiKeyStore store, List<BootstrapKey> keys) throws SQLException {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        for (BootstrapKey k : keys) {
            String hash = ApiKeys.hash(k.key());
            if (store.insertIfAbsent(k.name(), k.role(), hash)) {
                outcomes.put(k.name(), Outcome.STORED);
                continue;
            }
            Optional<ApiKeyStore.StoredKey> stored = store.findByHash(hash);
            boolean same = stored.isPresent() && stored.get().name().equals(k.name()) && stored.get().role().equals(k.role());
            outcomes.put(k.name(), same ? Outcome.PRESENT : Outcome.CONFLICT);
        }
        return outcomes;
    }
}
