package io.distillab.k8s;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** What a service's own build says about it: its application.properties and its pom. */
record ServiceConfig(String name, Properties properties, String pom) {

    static ServiceConfig of(String service) {
        Path module = RenderedChart.ROOT.resolve(service);
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(module.resolve("src/main/resources/application.properties"))) {
            p.load(r);
            return new ServiceConfig(service, p, Files.readString(module.resolve("pom.xml")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The HTTP port in production (Quarkus' default 8080 unless the service sets quarkus.http.port). */
    int httpPort() {
        return Integer.parseInt(properties.getProperty("quarkus.http.port", "8080"));
    }

    boolean hasGrpc() {
        return pom.contains("<artifactId>quarkus-grpc</artifactId>");
    }

    /** gRPC on the HTTP port: quarkus.grpc.server.use-separate-server=false (Quarkus' default is a separate server). */
    boolean grpcOnHttpPort() {
        return "false".equals(properties.getProperty("quarkus.grpc.server.use-separate-server", "true"));
    }

    boolean usesFlyway() {
        return pom.contains("<artifactId>quarkus-flyway</artifactId>");
    }

    /** The Flyway history table the service migrates into (Quarkus' default flyway_schema_history). */
    String flywayTable() {
        return properties.getProperty("quarkus.flyway.table", "flyway_schema_history");
    }
}
