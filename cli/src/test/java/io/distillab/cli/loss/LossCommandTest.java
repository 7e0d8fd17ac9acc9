package io.distillab.cli.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.cli.CliRun;
import io.distillab.training.loss.CpuSpanMaskedLoss;
import io.distillab.training.loss.Logits;
import io.distillab.training.loss.LossConfig;
import io.distillab.training.loss.LossInputs;
import io.distillab.training.loss.LossResult;
import io.distillab.training.loss.Preset;
import io.distillab.training.loss.RandomLossInputs;
import io.distillab.training.loss.Teacher;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyReader;
import io.distillab.training.npy.NpyWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossCommandTest {
    @TempDir
    Path dir;

    private LossInputs inputs;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @BeforeEach
    void writeInputs() throws Exception {
        inputs = RandomLossInputs.dense(24, 301, Logits.Precision.FLOAT32).generate(42, 2);
        NpyWriter.write(dir.resolve("z.npy"), inputs.student().array());
        NpyWriter.write(dir.resolve("u.npy"), ((Teacher.Dense) inputs.teacher()).logits().array());
        int[] labels = inputs.labels();
        long[] wide = new long[labels.length];
        for (int i = 0; i < labels.length; i++) {
            wide[i] = labels[i];
        }
        NpyWriter.write(dir.resolve("y.npy"), NpyArray.of(wide, wide.length));
        NpyWriter.write(dir.resolve("m.npy"), NpyArray.of(inputs.spans(), labels.length));
    }

    /** The command line with the standard input files, then {@code options} (name, value, ...) replacing or adding. */
    private String[] args(String... options) {
        java.util.LinkedHashMap<String, String> map = new java.util.LinkedHashMap<>();
        map.put("--student", dir.resolve("z.npy").toString());
        map.put("--teacher", dir.resolve("u.npy").toString());
        map.put("--labels", dir.resolve("y.npy").toString());
        map.put("--spans", dir.resolve("m.npy").toString());
        for (int i = 0; i < options.length; i += 2) {
            map.put(options[i], options[i + 1]);
        }
        List<String> out = new java.util.ArrayList<>(List.of("loss"));
        map.forEach((k, v) -> {
            out.add(k);
            out.add(v);
        });
        return out.toArray(String[]::new);
    }

    private static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": ([-0-9.Ee]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void printsOneJsonObjectAndWritesTheGradient() throws Exception {
        Path grad = dir.resolve("g.npy");
        CliRun r = run(args("--preset", "kd", "--device", "cpu", "--grad-out", grad.toString()));
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        String json = r.out().strip();
        assertFalse(json.contains("\n"), json);
        assertTrue(json.matches("\\{\"loss\": \\S+, \"kl\": \\S+, \"ce\": \\S+, \"tokens\": \\{\"reason\": \\d+, "
                + "\"action\": \\d+, \"observation\": \\d+, \"other\": \\d+}, \"device\": \"cpu\"}"), json);
        LossResult expected = new CpuSpanMaskedLoss(1).compute(inputs, LossConfig.of(Preset.KD), true);
        assertEquals(expected.loss(), number(json, "loss"), 0.0);
        assertEquals(expected.kl(), number(json, "kl"), 0.0);
        assertEquals(expected.ce(), number(json, "ce"), 0.0);
        assertEquals(expected.tokens()[0], (long) number(json, "reason"));
        NpyArray written = NpyReader.read(grad);
        assertEquals("float32 (24, 301)", written.describe());
        for (int i = 0; i < 24; i++) {
            for (int v = 0; v < 301; v++) {
                assertEquals(expected.gradient().get(i, v), written.floats(0)[i * 301 + v], 0.0);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(5, files.count(), "no temporary files left behind");
        }
    }

    @Test
    void weightOverridesAndAutoDevice() {
        CliRun r = run(args("--w-kl", "0.2,0.5,1,0", "--w-ce", "1,1,0.3,2", "--temperature", "0.8"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().lines().count() <= 1, "at most the one fallback line: " + r.err());
        LossResult expected = new CpuSpanMaskedLoss(1).compute(inputs,
                LossConfig.of(0.8, new double[] {0.2, 0.5, 1, 0}, new double[] {1, 1, 0.3, 2}), false);
        double rtol = r.out().contains("\"cuda\"") ? 1e-5 : 0;
        assertEquals(expected.loss(), number(r.out(), "loss"), rtol * Math.abs(expected.loss()));
    }

    @Test
    void badInputGivesExitCode2AndOneLineNamingTheFile() throws Exception {
        long[] bad = new long[24];
        bad[7] = 301;
        NpyWriter.write(dir.resolve("y_bad.npy"), NpyArray.of(bad, 24));
        NpyWriter.write(dir.resolve("m_short.npy"), NpyArray.of(new byte[3], 3));
        NpyWriter.write(dir.resolve("z_f16.npy"), NpyArray.of(new int[24 * 301], 24, 301));
        Path grad = dir.resolve("never.npy");
        String[][] cases = {
            {"--labels", dir.resolve("y_bad.npy").toString(), "labels[7] = 301 is out of range"},
            {"--spans", dir.resolve("m_short.npy").toString(), "3 span types for 24 student rows"},
            {"--student", dir.resolve("z_f16.npy").toString(), "dtype is int32, expected float32 or bfloat16"},
            {"--student", dir.resolve("missing.npy").toString(), "missing.npy: no such file"},
            {"--preset", "dpo", "unknown preset 'dpo'"},
            {"--w-kl", "1,2,3", "needs 4 comma-separated weights"},
            {"--temperature", "hot", "--temperature: not a number"},
            {"--device", "tpu", "unknown device 'tpu'"},
        };
        for (String[] c : cases) {
            CliRun r = run(args("--device", "cpu", "--grad-out", grad.toString(), c[0], c[1]));
            assertEquals(2, r.code(), c[2] + ": " + r.err());
            assertEquals("", r.out());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("distillab: error: ") && r.err().contains(c[2]), c[2] + " vs " + r.err());
            assertFalse(Files.exists(grad), "nothing written on error");
        }
        CliRun both = run("loss", "--student", dir.resolve("z.npy").toString(), "--labels", "y.npy", "--spans", "m.npy");
        assertEquals(2, both.code());
        assertTrue(both.err().contains("exactly one of --teacher"), both.err());
    }
}
