package io.distillab.training.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.distillab.core.importer.ImportException;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.trajectory.Trajectory;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes the renderer with arbitrary records under the real chat templates (Qwen3's and Llama 3's,
 * as the build fetched them) and GPT-2's plain form: every record that imports renders as typed
 * text, or is refused with a {@link DataException} saying why (no assistant turn, a template that
 * cannot render it). Seeds (tau-bench and ToolBench records in chat JSONL form) and kept findings:
 * TrajectoryRendererFuzzTestInputs/renderAnyRecord/ (docs/fuzzing.md).
 */
class TrajectoryRendererFuzzTest {
    private static final List<TrajectoryRenderer> RENDERERS = List.of(
            new TrajectoryRenderer(TestData.qwen3()),
            new TrajectoryRenderer(TestData.llama3()),
            new TrajectoryRenderer(Tokenizer.load("gpt2")));

    @FuzzTest
    void renderAnyRecord(byte[] input) {
        List<Trajectory> records = new ArrayList<>();
        try {
            TrajectoryImporter.importStream(new ByteArrayInputStream(input), "runs.jsonl", TrajectoryFormat.CHAT_JSONL,
                    null, records::add);
        } catch (ImportException notARecord) {
            return; // the importers' own fuzz tests hold them to their refusals
        }
        for (Trajectory t : records) {
            for (TrajectoryRenderer renderer : RENDERERS) {
                TypedText typed;
                try {
                    typed = renderer.render(t);
                } catch (DataException refused) {
                    continue;
                }
                if (typed.types().length != typed.text().length()) {
                    throw new AssertionError(typed.types().length + " types for " + typed.text().length() + " chars");
                }
            }
        }
    }
}
