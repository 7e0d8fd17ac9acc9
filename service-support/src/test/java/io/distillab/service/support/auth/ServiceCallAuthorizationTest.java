package io.distillab.service.support.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which key one service sends another: the configured one, else the other's local admin key on this machine only. */
class ServiceCallAuthorizationTest {
    @Test
    void configuredKeyThenTheLocalAdminKeyOfALocalServiceOnly(@TempDir Path home) throws Exception {
        URI local = URI.create("http://localhost:8081/api/v1/rps");
        URI loopbackIp = URI.create("http://127.0.0.1:8081/api/v1/rps");
        URI remote = URI.create("http://judge.example.invalid/api/v1/rps");
        assertEquals(Optional.empty(), ServiceCallAuthorization.key(Optional.empty(), home, "judge-service", local),
                "no key configured, none written");

        Files.createDirectories(home.resolve("judge-service"));
        Files.writeString(home.resolve("judge-service/admin-key"), "dlk_local\n");
        assertEquals(Optional.of("dlk_local"), ServiceCallAuthorization.key(Optional.empty(), home, "judge-service", local));
        assertEquals(Optional.of("dlk_local"), ServiceCallAuthorization.key(Optional.of("  "), home, "judge-service", loopbackIp));
        assertEquals(Optional.empty(), ServiceCallAuthorization.key(Optional.empty(), home, "judge-service", remote),
                "a remote service is never sent a local key");
        assertEquals(Optional.empty(), ServiceCallAuthorization.key(Optional.empty(), home, "metrics-service", local),
                "each service's own key");
        assertEquals(Optional.of("dlk_configured"),
                ServiceCallAuthorization.key(Optional.of(" dlk_configured "), home, "judge-service", local));
        assertEquals(Optional.of("dlk_configured"),
                ServiceCallAuthorization.key(Optional.of("dlk_configured"), home, "judge-service", remote));
    }
}
