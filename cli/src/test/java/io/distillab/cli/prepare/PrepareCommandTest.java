package io.distillab.cli.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.cli.CliRun;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code distillab prepare}: the output folder, the views, and bad input (exit 2, one line, nothing written). */
class PrepareCommandTest {
    private static final Path TAU_BENCH = Path.of(System.getProperty("distillab.root", "..")).resolve("data/tau-bench/gpt-4o-airline.json");

    @TempDir
    Path tmp;

    @Test
    void writesRowsAndAReportThatAddUp() throws Exception {
        Path out = tmp.resolve("prepared");
        CliRun r = CliRun.of("prepare", "--data", TAU_BENCH.toString(), "--tokenizer", "gpt2", "--context", "512",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        NpyArray tokens = NpyReader.read(out.resolve("tokens.npy"));
        NpyArray spans = NpyReader.read(out.resolve("spans.npy"));
        NpyArray positions = NpyReader.read(out.resolve("positions.npy"));
        JsonNode report = new ObjectMapper().readTree(out.resolve("prepare.json").toFile());
        long rows = report.get("rows").asLong();
        assertEquals(rows, tokens.shape()[0]);
        assertEquals(512, tokens.shape()[1]);
        assertEquals(rows, spans.shape()[0]);
        assertEquals(rows, positions.shape()[0]);
        assertEquals(200, report.get("trajectories").asInt());
        long nonPadding = 0;
        long windows = 0;
        for (long row = 0; row < rows; row++) {
            int[] t = (int[]) tokens.block(tokens.blockOfRow(row));
            int[] p = (int[]) positions.block(positions.blockOfRow(row));
            int off = tokens.offsetOfRow(row);
            for (int i = 0; i < 512; i++) {
                if (t[off + i] >= 0) {
                    nonPadding++;
                }
                if (p[off + i] == 0) {
                    windows++;
                }
            }
        }
        assertEquals(report.get("tokens").get("total").asLong(), nonPadding);
        assertEquals(report.get("windows").asLong(), windows);
        assertEquals(0, report.get("labelled").get("observation").asLong());
        assertEquals(0, report.get("labelled").get("other").asLong());
        assertTrue(report.get("labelled").get("action").asLong() > 0);
        assertTrue(r.err().startsWith("prepare: 200 trajectories"), r.err());
    }

    @Test
    void showsSequencesColouredAndWritesAPage() throws Exception {
        Path page = tmp.resolve("view.html");
        CliRun r = CliRun.of("prepare", "--data", TAU_BENCH.toString(), "--tokenizer", "gpt2", "--context", "512",
                "--show", "1", "--html", page.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("sequence 0: "), r.out().substring(0, 200));
        assertTrue(r.out().contains("\u001b[31m"), "ACTION tokens in red");
        String html = Files.readString(page);
        assertTrue(html.contains("<span class=\"t a l\""), "labelled ACTION tokens");
        assertTrue(html.contains("<span class=\"t o\""), "unlabelled OBSERVATION tokens");
    }

    @Test
    void aTrajectoryWithoutAnAssistantTurnIsRefused() throws Exception {
        Path data = tmp.resolve("chat.jsonl");
        Files.writeString(data, "{\"model\":\"m\",\"task\":\"t1\",\"trial\":0,\"reward\":1,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}]}\n"
                + "{\"model\":\"m\",\"task\":\"t2\",\"trial\":0,\"reward\":1,\"messages\":"
                + "[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"hi\"}]}\n");
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("prepare", "--data", data.toString(), "--tokenizer", "gpt2", "--out", out.toString());
        assertBadInput(r, "chat.jsonl", "line 2", "no assistant turn");
        assertFalse(Files.exists(out));
    }

    @Test
    void aTemplateThatFailsNamesTheRecordAndJinjasError() throws Exception {
        Path tok = ByteTokenizerFolder.write(tmp.resolve("tok"),
                "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system role here') }}"
                        + "{% endif %}{{ m.role }}: {{ m.content }}<|end|>{% endfor %}");
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("prepare", "--data", TAU_BENCH.toString(), "--tokenizer", tok.toString(),
                "--context", "256", "--out", out.toString());
        assertBadInput(r, "gpt-4o-airline.json", "record 0", "no system role here");
        assertFalse(Files.exists(out));
    }

    @Test
    void aTemplateThatDropsToolCallsIsRefused() throws Exception {
        Path tok = ByteTokenizerFolder.write(tmp.resolve("tok"),
                "{% for m in messages %}{{ m.role }}: {{ m.content }}<|end|>{% endfor %}");
        CliRun r = CliRun.of("prepare", "--data", TAU_BENCH.toString(), "--tokenizer", tok.toString(),
                "--context", "256", "--out", tmp.resolve("out").toString());
        assertBadInput(r, "record 0", "does not render tool calls");
    }

    @Test
    void aTokenizerFolderWithoutTokenizerJsonIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty-tokenizer"));
        CliRun r = CliRun.of("prepare", "--data", TAU_BENCH.toString(), "--tokenizer", dir.toString(),
                "--out", tmp.resolve("out").toString());
        assertBadInput(r, "empty-tokenizer", "no tokenizer.json");
    }

    @Test
    void aContextSmallerThanTheTemplatesOverheadIsRefused() {
        CliRun r = CliRun.of("prepare", "--data", TAU_BENCH.toString(), "--tokenizer", "gpt2", "--context", "6",
                "--out", tmp.resolve("out").toString());
        assertBadInput(r, "--context 6", "overhead");
    }

    private static void assertBadInput(CliRun r, String... parts) {
        assertEquals(2, r.code(), r.err());
        String line = r.err().strip();
        assertFalse(line.contains("\n"), "one line: " + r.err());
        for (String p : parts) {
            assertTrue(line.contains(p), "'" + p + "' in: " + line);
        }
    }
}
