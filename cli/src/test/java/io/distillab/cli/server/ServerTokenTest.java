package io.distillab.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerTokenTest {
    private static final URI LOCAL = URI.create("http://localhost:8080");
    private static final URI REMOTE = URI.create("https://metrics.example.org");

    @Test
    void optionThenEnvironmentThenTheLocalAdminKeyForALocalServerOnly(@TempDir Path home) throws Exception {
        Path key = home.resolve(".distillab/metrics-service/admin-key");
        Files.createDirectories(key.getParent());
        Files.writeString(key, "dlk_local\n");
        Map<String, String> env = Map.of("DISTILLAB_TOKEN", "from-env");

        assertEquals(Optional.of("opt"), ServerToken.resolve("opt", env, home, LOCAL));
        assertEquals(Optional.of("from-env"), ServerToken.resolve(null, env, home, LOCAL));
        assertEquals(Optional.of("dlk_local"), ServerToken.resolve(null, Map.of(), home, LOCAL));
        assertEquals(Optional.of("dlk_local"), ServerToken.resolve(null, Map.of(), home, URI.create("http://127.0.0.1:1")));
        assertEquals(Optional.empty(), ServerToken.resolve(null, Map.of(), home, REMOTE));
    }

    @Test
    void distillabHomeMovesTheKeyFile(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("elsewhere/metrics-service/admin-key");
        Files.createDirectories(key.getParent());
        Files.writeString(key, "dlk_moved");
        assertEquals(Optional.of("dlk_moved"), ServerToken.resolve(null,
                Map.of("DISTILLAB_HOME", dir.resolve("elsewhere").toString()), dir.resolve("nohome"), LOCAL));
    }
}
