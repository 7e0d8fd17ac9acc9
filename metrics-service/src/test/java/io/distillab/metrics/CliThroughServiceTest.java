package io.distillab.metrics;

import static io.distillab.service.support.testing.TestAuth.givenAdmin;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.cli.Distillab;
import io.distillab.service.support.testing.TestAuth;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code distillab analyze --server} and {@code distillab import}, run against the service under test. */
@QuarkusTest
@TestProfile(MetricsTestProfile.class)
class CliThroughServiceTest {
    @TestHTTPResource("/")
    URL base;

    private record Run(int exit, String out, String err) {
    }

    private static Run distillab(List<String> args) {
        List<String> withToken = new ArrayList<>(args);
        if (withToken.contains("--server")) {
            withToken.addAll(List.of("--token", TestAuth.adminKey()));
        }
        CommandLine cl = Distillab.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(withToken.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void analyzeThroughTheServerPrintsAndWritesWhatTheLocalRunDoes(@TempDir Path dir) throws Exception {
        List<String> common = new ArrayList<>(List.of("analyze", TestData.tauBench().toString(),
                TestData.toolBench("G1_answer").toString(), TestData.toolBench("G2_answer").toString(),
                TestData.toolBench("G3_answer").toString(), "--ged", "--bootstrap", "100", "--seed", "5",
                "--reference", "gpt-4o"));
        List<String> local = new ArrayList<>(common);
        local.addAll(List.of("--json", dir.resolve("local.json").toString(), "--html",
                dir.resolve("local.html").toString(), "--quiet"));
        List<String> remote = new ArrayList<>(common);
        remote.addAll(List.of("--json", dir.resolve("remote.json").toString(), "--html",
                dir.resolve("remote.html").toString(), "--server", base.toString()));

        Run l = distillab(local);
        Run r = distillab(remote);
        assertEquals(0, l.exit(), l.err());
        assertEquals(0, r.exit(), r.err());
        assertEquals(l.out(), r.out());
        assertTrue(r.out().contains("against reference gpt-4o"), r.out());
        assertTrue(r.err().contains("submitted analysis"), r.err());
        assertTrue(r.err().contains("done in"), r.err());

        JsonNode remoteJson = InProcess.JSON.readTree(dir.resolve("remote.json").toFile());
        remoteJson.path("pairs").forEach(p -> {
            assertTrue(p.get("rps").isNull());
            ((ObjectNode) p).remove("rps");
        });
        assertEquals(InProcess.JSON.readTree(dir.resolve("local.json").toFile()), remoteJson);
        assertEquals(Files.readString(dir.resolve("local.html")), Files.readString(dir.resolve("remote.html")));
    }

    @Test
    void serverSideRefusalsAreOneLineErrors() {
        Run r = distillab(List.of("analyze", TestData.tauBench().toString(), "--reference", "nobody", "--server",
                base.toString()));
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("reference: 'nobody' is not among the analysed models"), r.err());
    }

    @Test
    void importUploadsIntoANamedDatasetCreatingItOnce() {
        String name = "cli-import-" + System.nanoTime();
        Run first = distillab(List.of("import", "--server", base.toString(), "--dataset", name,
                TestData.tauBench().toString()));
        assertEquals(0, first.exit(), first.err());
        Run second = distillab(List.of("import", "--server", base.toString(), "--dataset", name, "--model", "again",
                TestData.toolBench("G1_answer").toString()));
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.out().contains("dataset '" + name + "'"), second.out());
        long id = givenAdmin().queryParam("name", name).when().get("/api/v1/datasets").then().extract().jsonPath()
                .getLong("items[0].id");
        givenAdmin().when().get("/api/v1/datasets/" + id).then().body("uploads", equalTo(6)).body("models", equalTo(2));
        Run bad = distillab(List.of("import", "--server", base.toString(), "--dataset", name, "--format", "toolbench",
                TestData.tauBench().toString()));
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("answered 400"), bad.err());
    }
}
