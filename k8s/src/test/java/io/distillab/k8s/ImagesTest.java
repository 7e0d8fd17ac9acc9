package io.distillab.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfiles under k8s/images against the chart (image names, ports, user ids, probes' port) and
 * against what the build writes (Quarkus' fast-jar layout target/quarkus-app, the CLI's jar and lib/),
 * and the Jib profile's image names against the chart's. ServicesOnOnePostgresIT checks the built
 * layout itself once the services are packaged.
 */
class ImagesTest {
    /** The four parts of target/quarkus-app that make a fast-jar application. */
    static final Map<String, String> FAST_JAR = Map.of("lib/", "/deployments/lib/", "quarkus-run.jar",
            "/deployments/quarkus-run.jar", "app/", "/deployments/app/", "quarkus/", "/deployments/quarkus/");
    static final String ENTRYPOINT = "[\"java\", \"-Duser.home=/tmp\", \"-Djava.io.tmpdir=/tmp\", "
            + "\"-Dquarkus.http.host=0.0.0.0\", \"-jar\", \"/deployments/quarkus-run.jar\"]";

    @Test
    void jibPushesWhereTheChartPulls() {
        String registry = Images.pomProperty("distillab.image.registry");
        String tag = Images.pomProperty("distillab.image.tag");
        for (String service : ChartTest.SERVICES) {
            assertEquals(registry + "/" + service + ":" + tag, Images.chartImage(service));
            assertTrue(ServiceConfig.of(service).pom().contains("<artifactId>" + service + "</artifactId>"),
                    "the image is named after the Maven artifact");
        }
        String parent = Images.pomProperty("jib-plugin.version");
        assertEquals("3.4.6", parent);
    }

    @Test
    void jvmDockerfilesAgreeWithTheChartAndTheBuild() {
        var chart = RenderedChart.render(Map.of());
        for (String service : ChartTest.SERVICES) {
            var docker = Images.Dockerfile.read(RenderedChart.ROOT.resolve("k8s/images/" + service + "/Dockerfile.jvm"));
            String base = docker.base();
            if (service.equals("trainer-service")) {
                assertTrue(base.matches("nvidia/cuda:12\\.\\d+\\.\\d+-runtime-ubuntu22\\.04"), base);
                // the Java runtime comes from a Java 17 image's stage, the CLI for the Job mode from the build
                assertTrue(docker.args().get("JRE_IMAGE").startsWith("eclipse-temurin:17"), docker.args().toString());
                // bin/distillab runs ../cli/target/distillab-cli.jar: the same layout under /opt/distillab, on PATH
                assertEquals("/opt/distillab/cli/target/distillab-cli.jar", docker.contextCopies().get("cli/target/distillab-cli.jar"));
                assertEquals("/opt/distillab/cli/target/lib/", docker.contextCopies().get("cli/target/lib/"));
                assertEquals("/opt/distillab/bin/distillab", docker.contextCopies().get("bin/distillab"));
                assertTrue(docker.last("ENV").contains("PATH=/opt/distillab/bin:"), docker.last("ENV"));
                assertTrue(Files.isExecutable(RenderedChart.ROOT.resolve("bin/distillab")));
                assertTrue(readString("bin/distillab").contains("jar=\"$root/cli/target/distillab-cli.jar\""),
                        "bin/distillab finds the jar where the image puts it");
            } else {
                assertEquals("eclipse-temurin:17-jre", base, service);
            }
            Map<String, String> copies = docker.contextCopies();
            FAST_JAR.forEach((part, dest) -> assertEquals(dest, copies.get(service + "/target/quarkus-app/" + part),
                    service + " copies " + part));
            assertEquals(ENTRYPOINT, docker.last("ENTRYPOINT"), service);
            Container c = ChartTest.container(chart, service);
            Deployment d = chart.get(Deployment.class, RenderedChart.FULL + "-" + service);
            assertEquals(String.valueOf(d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser()),
                    docker.last("USER"), service + ": the image's user is the chart's runAsUser");
            int http = c.getPorts().get(0).getContainerPort();
            assertEquals(List.of(String.valueOf(http)), docker.all("EXPOSE"), service + ": EXPOSE the chart's port");
            assertEquals(ServiceConfig.of(service).httpPort(), http);
            assertEquals("http", c.getReadinessProbe().getHttpGet().getPort().getStrVal());
            docker.all("COPY").forEach(copy -> assertTrue(copy.contains("--chown=185:0") || copy.contains("--from="), copy));
        }
    }

    @Test
    void nativeDockerfilesSitBesideThem() {
        for (String service : ChartTest.SERVICES) {
            var docker = Images.Dockerfile.read(RenderedChart.ROOT.resolve("k8s/images/" + service + "/Dockerfile.native"));
            assertTrue(docker.base().startsWith(service.equals("trainer-service") ? "nvidia/cuda:12."
                    : "registry.access.redhat.com/ubi9/ubi-minimal:"), docker.base());
            assertEquals("/work/application", docker.contextCopies().get(service + "/target/*-runner"));
            assertEquals("185", docker.last("USER"));
            assertEquals(List.of("8080"), docker.all("EXPOSE"));
            assertTrue(docker.last("ENTRYPOINT").startsWith("[\"/work/application\""), docker.last("ENTRYPOINT"));
        }
    }

    @Test
    void theBuildContextLetsThroughWhatTheDockerfilesCopy() throws Exception {
        List<String> ignore = Files.readAllLines(RenderedChart.ROOT.resolve(".dockerignore")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertEquals("*", ignore.get(0), "everything else stays out of the context");
        for (String service : ChartTest.SERVICES) {
            for (String type : List.of("jvm", "native")) {
                var docker = Images.Dockerfile.read(RenderedChart.ROOT.resolve("k8s/images/" + service + "/Dockerfile." + type));
                for (String source : docker.contextCopies().keySet()) {
                    String path = source.replaceAll("/$", "");
                    assertTrue(ignore.stream().anyMatch(l -> l.startsWith("!") && matches(l.substring(1), path)),
                            service + " " + type + ": .dockerignore keeps " + source + " out");
                }
            }
        }
    }

    static String readString(String path) {
        try {
            return Files.readString(RenderedChart.ROOT.resolve(path));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** .dockerignore patterns: * within one path segment, a pattern also admits what lies under it. */
    static boolean matches(String pattern, String path) {
        String regex = pattern.replace(".", "\\.").replace("*", "[^/]*");
        return path.matches(regex) || path.matches(regex + "/.*");
    }
}
