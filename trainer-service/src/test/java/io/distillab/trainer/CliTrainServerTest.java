package io.distillab.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code distillab train --server}: submits, follows the steps on stderr, unzips the student into --out. */
@QuarkusTest
@TestProfile(TrainerTestProfile.class)
class CliTrainServerTest {
    @TestHTTPResource("/")
    URL base;

    private record Run(int exit, String err) {
    }

    /** The CLI with the service's local admin key as --token (its file is not under this JVM's DISTILLAB_HOME). */
    private static Run distillab(String... args) {
        List<String> withToken = new java.util.ArrayList<>(List.of(args));
        withToken.addAll(List.of("--token", TestAuth.adminKey()));
        return distillabAs(withToken.toArray(String[]::new));
    }

    private static Run distillabAs(String... args) {
        CommandLine cl = Distillab.newCommandLine();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), err.toString());
    }

    @Test
    void aJobThroughTheServerEndsWithItsStudentInOut(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("small.jsonl");
        Files.write(data, TestData.smallUpload());
        TestData.tinyStudent("tiny");
        Path out = dir.resolve("student");
        Run r = distillab("train", "--server", base.toString(), "--data", data.toString(), "--student", "tiny",
                "--preset", "sft", "--steps", "5", "--batch-size", "2", "--seed", "4", "--device", "cpu",
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> stepLines = r.err().lines().filter(l -> l.startsWith("step ")).toList();
        assertEquals(5, stepLines.size(), r.err());
        assertTrue(stepLines.get(4).startsWith(String.format(java.util.Locale.ROOT, "step 5/5  loss %.4f",
                ScriptedTrainingEngine.loss(4, 5))), stepLines.get(4));
        assertTrue(r.err().contains("final model in " + out), r.err());
        assertEquals(Files.readString(TrainerTestProfile.modelStore().resolve("models/tiny/config.json")),
                Files.readString(out.resolve("config.json")));
        assertEquals("weights after 5 steps, seed 4", Files.readString(out.resolve("model.safetensors")));

        // a refusal is one line naming the field, exit code 2, and nothing written
        Path refusedOut = dir.resolve("refused");
        Run bad = distillab("train", "--server", base.toString(), "--data", data.toString(), "--student", "nobody",
                "--steps", "5", "--batch-size", "2", "--out", refusedOut.toString());
        assertEquals(2, bad.exit(), bad.err());
        assertEquals(1, bad.err().lines().count(), bad.err());
        assertTrue(bad.err().startsWith("distillab: error: trainer-service at ") && bad.err().contains("student: "),
                bad.err());
        assertTrue(!Files.exists(refusedOut));
        // an --out that holds something is refused before anything is sent
        Run exists = distillab("train", "--server", base.toString(), "--data", data.toString(), "--student", "tiny",
                "--steps", "5", "--batch-size", "2", "--out", out.toString());
        assertEquals(2, exists.exit(), exists.err());
    }

    @Test
    void aRefusedTokenIsOneLineAndNothingIsWritten(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("small.jsonl");
        Files.write(data, TestData.smallUpload());
        Path out = dir.resolve("student");
        // a reader may follow jobs but not submit one; an unknown key is not let in at all
        Run reader = distillabAs("train", "--server", base.toString(), "--data", data.toString(), "--student", "tiny",
                "--steps", "5", "--batch-size", "2", "--out", out.toString(), "--token", TestAuth.jwt("rita", "reader"));
        assertEquals(2, reader.exit(), reader.err());
        assertEquals(1, reader.err().lines().count(), reader.err());
        assertTrue(reader.err().contains("answered 403"), reader.err());
        Run unknown = distillabAs("train", "--server", base.toString(), "--data", data.toString(), "--student", "tiny",
                "--steps", "5", "--batch-size", "2", "--out", out.toString(), "--token", "dlk_unknown-key");
        assertEquals(2, unknown.exit(), unknown.err());
        assertTrue(unknown.err().contains("answered 401: the token was refused"), unknown.err());
        assertTrue(!unknown.err().contains("dlk_unknown-key"), "the token is not echoed: " + unknown.err());
        assertTrue(!Files.exists(out));
    }
}
