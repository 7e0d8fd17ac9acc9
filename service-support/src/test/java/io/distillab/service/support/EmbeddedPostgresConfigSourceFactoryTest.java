package io.distillab.service.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigValue;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresConfigSourceFactoryTest {

    @TempDir
    Path tmp;

    @Test
    void configuredJdbcUrlTurnsTheDefaultOff() {
        var sources = sources(Map.of(EmbeddedPostgresServer.JDBC_URL, "jdbc:postgresql://db:5432/judge"));
        assertTrue(sources.isEmpty());
    }

    @Test
    void enabledFalseTurnsTheDefaultOff() {
        assertTrue(sources(Map.of(EmbeddedPostgresConfigSourceFactory.ENABLED, "false")).isEmpty());
    }

    @Test
    void withoutUrlTheDatasourcePointsAtARunningPostgres() throws SQLException {
        Path dataDir = tmp.resolve("factory-pg");
        List<ConfigSource> sources = sources(Map.of(EmbeddedPostgresConfigSourceFactory.DATA_DIR, dataDir.toString()));
        assertEquals(1, sources.size());
        ConfigSource source = sources.get(0);
        // Nothing listed by name: Quarkus's build would start the server to record its values.
        assertTrue(source.getPropertyNames().isEmpty());
        assertNull(source.getValue("quarkus.http.port"));
        // While Quarkus builds the application (execution mode UNSET) nothing is started
        assertNull(source.getValue(EmbeddedPostgresServer.JDBC_URL));
        assertFalse(java.nio.file.Files.exists(dataDir), "no cluster written at build time");

        io.quarkus.runtime.ExecutionModeManager.runtimeInit();
        String url;
        try {
            url = source.getValue(EmbeddedPostgresServer.JDBC_URL);
        } finally {
            io.quarkus.runtime.ExecutionModeManager.unset();
        }
        assertTrue(url.startsWith("jdbc:postgresql://localhost:"), url);
        // The URL alone is enough: it names the user.
        try (Connection c = DriverManager.getConnection(url);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select current_setting('data_directory')")) {
            assertTrue(rs.next());
            assertEquals(dataDir.toRealPath().toString(), Path.of(rs.getString(1)).toRealPath().toString());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        } finally {
            EmbeddedPostgresConfigSourceFactory.stopSharedServer();
        }
    }

    @Test
    void dataIsKeptAcrossRestarts() throws SQLException {
        Path dataDir = tmp.resolve("kept-pg");
        try (EmbeddedPostgresServer first = EmbeddedPostgresServer.start(dataDir, true, 0)) {
            execute(first, "create table judgment_probe(v text)", "insert into judgment_probe values ('kept')");
        }
        try (EmbeddedPostgresServer second = EmbeddedPostgresServer.start(dataDir, true, 0);
                Connection c = connect(second);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select v from judgment_probe")) {
            assertTrue(rs.next());
            assertEquals("kept", rs.getString(1));
        }
    }

    @Test
    void throwawayServerStartsEmpty() throws SQLException {
        EmbeddedPostgresTestResource resource = new EmbeddedPostgresTestResource();
        Map<String, String> props = resource.start();
        try (Connection c = DriverManager.getConnection(props.get(EmbeddedPostgresServer.JDBC_URL),
                        props.get(EmbeddedPostgresServer.USERNAME), props.get(EmbeddedPostgresServer.PASSWORD));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select count(*) from information_schema.tables where table_schema = 'public'")) {
            assertTrue(rs.next());
            assertEquals(0, rs.getInt(1));
        } finally {
            resource.stop();
        }
        assertFalse(props.get(EmbeddedPostgresServer.JDBC_URL).isBlank());
    }

    private static Connection connect(EmbeddedPostgresServer server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(), "postgres", "");
    }

    private static void execute(EmbeddedPostgresServer server, String... sql) throws SQLException {
        try (Connection c = connect(server); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        }
    }

    private static List<ConfigSource> sources(Map<String, String> config) {
        ConfigSourceContext context = new ConfigSourceContext() {
            @Override
            public ConfigValue getValue(String name) {
                String value = config.get(name);
                return value == null ? null : ConfigValue.builder().withName(name).withValue(value).build();
            }

            @Override
            public Iterator<String> iterateNames() {
                return config.keySet().iterator();
            }
        };
        List<ConfigSource> out = new ArrayList<>();
        new EmbeddedPostgresConfigSourceFactory().getConfigSources(context).forEach(out::add);
        return out;
    }

    /** The database lives under the same home as the local admin key: DISTILLAB_HOME, else ~/.distillab. */
    @Test
    void theDefaultDataDirectoryFollowsDistillabHome() {
        assertEquals(java.nio.file.Path.of("/srv/lab/metrics-service/postgres"), EmbeddedPostgresConfigSourceFactory
                .defaultDataDir("metrics-service", java.util.Map.of("DISTILLAB_HOME", "/srv/lab"), "/home/u"));
        assertEquals(java.nio.file.Path.of("/home/u/.distillab/judge-service/postgres"),
                EmbeddedPostgresConfigSourceFactory.defaultDataDir("judge-service", java.util.Map.of(), "/home/u"));
        assertEquals(java.nio.file.Path.of("/home/u/.distillab/judge-service/postgres"), EmbeddedPostgresConfigSourceFactory
                .defaultDataDir("judge-service", java.util.Map.of("DISTILLAB_HOME", " "), "/home/u"));
    }
}
