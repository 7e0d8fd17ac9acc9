package io.distillab.training.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.training.data.Tokenizer;
import io.distillab.training.data.TrajectoryRenderer;
import io.distillab.training.model.CausalLm;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One writer over the turns of a trajectory reuses the cache of the previous prompt, and writes what fresh writers write. */
class TurnWriterTest {
    @Test
    void theTurnsOfOneTrajectoryShareTheirPromptsCache() {
        Path data = Path.of(System.getProperty("distillab.root", "..")).resolve("data/tau-bench/gpt-4o-airline.json");
        List<Trajectory> all = new ArrayList<>();
        TrajectoryImporter.importPath(data, null, null, all::add);
        Trajectory t = all.get(0);
        Tokenizer gpt2 = Tokenizer.load("gpt2");
        CausalLm model = HfCheckpoints.create(ModelConfig.parse("{\"model_type\": \"gpt2\", \"vocab_size\": 50257,"
                + " \"n_embd\": 16, \"n_layer\": 1, \"n_head\": 2, \"n_positions\": 8192}", "tiny"), 9, 1);
        TrajectoryRenderer renderer = new TrajectoryRenderer(gpt2);
        TurnWriter shared = new TurnWriter(model, gpt2, true);
        for (int turn = 1; turn <= 4; turn++) {
            String prompt = renderer.prompt(t, turn);
            TurnWriter.Written reused = shared.write(prompt, 12, Sampler.greedy(), s -> { });
            TurnWriter.Written fresh = new TurnWriter(model, gpt2, true).write(prompt, 12, Sampler.greedy(), s -> { });
            assertEquals(fresh.written(), reused.written(), "turn " + turn);
            assertEquals(0, fresh.reused());
            if (turn > 1) {
                // everything up to where the previous turn's text left the teacher's, about the whole prompt
                assertTrue(reused.reused() > 0.8 * reused.prompt(), "turn " + turn + ": " + reused.reused() + " of "
                        + reused.prompt() + " prompt tokens reused");
            }
        }
    }
}
