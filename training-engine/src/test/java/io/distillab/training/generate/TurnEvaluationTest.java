package io.distillab.training.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.training.data.Tokenizer;
import io.distillab.training.data.TrajectoryRenderer;
import io.distillab.training.model.CausalLm;
import io.distillab.training.model.LoraConfig;
import io.distillab.training.model.ModelConfig;
import io.distillab.training.model.Parameter;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The evaluation's bookkeeping with a scripted student: a model whose "next token" is the next
 * token of a text chosen per prompt, so that what the student writes at each turn is set here.
 */
class TurnEvaluationTest {
    private static final Tokenizer GPT2 = Tokenizer.load("gpt2");
    private static final String TRAJECTORY = "{\"model\":\"m\",\"task\":\"t\",\"trial\":0,\"reward\":1,\"messages\":["
            + "{\"role\":\"user\",\"content\":\"Book me a flight to Paris.\"},"
            + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
            + "\"function\":{\"name\":\"search\",\"arguments\":\"{\\\"to\\\":\\\"CDG\\\"}\"}}]},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"AF123 at 9:00\"},"
            + "{\"role\":\"assistant\",\"content\":\"AF123 leaves at 9:00.\"},"
            + "{\"role\":\"user\",\"content\":\"Book it.\"},"
            + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"c2\",\"type\":\"function\","
            + "\"function\":{\"name\":\"book\",\"arguments\":\"{\\\"flight\\\":\\\"AF123\\\"}\"}}]},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"c2\",\"content\":\"booked\"},"
            + "{\"role\":\"assistant\",\"content\":\"Done.\"}]}\n";

    @Test
    void eachTurnIsSetBesideTheTeachers() {
        Trajectory t = trajectory();
        TrajectoryRenderer renderer = new TrajectoryRenderer(GPT2);
        // the student: turn 1 as the teacher, turn 2 calls instead of answering, turn 3 the right
        // tool with other arguments, turn 4 answers; each text runs on into a next message header
        ScriptedStudent student = new ScriptedStudent(Map.of(
                renderer.prompt(t, 1), "\nAction: search\nAction Input: {\"to\": \"CDG\"}\n### tool\nignored",
                renderer.prompt(t, 2), "Let me check.\nAction: search\nAction Input: {}\n### user\n",
                renderer.prompt(t, 3), "\nAction: book\nAction Input: {\"flight\":\"AF124\"}\n",
                renderer.prompt(t, 4), "Done, have a nice trip.\n### user\nthanks"));
        List<TurnEvaluation.Turn> seen = new ArrayList<>();
        TurnEvaluation.Summary s = new TurnEvaluation(student, GPT2, 64).run(List.of(t), seen::add);
        assertEquals(4, s.turns().size());
        assertEquals(s.turns(), seen);
        TurnEvaluation.Turn first = s.turns().get(0);
        assertEquals("search", first.teacherTool());
        assertEquals("search", first.studentTool());
        assertTrue(first.sameDecision() && first.sameTool() && first.sameArguments(),
                "{\"to\": \"CDG\"} equals the teacher's {\"to\":\"CDG\"} as JSON");
        assertEquals("\nAction: search\nAction Input: {\"to\": \"CDG\"}\n", first.studentText(),
                "the text ends where the next message begins");
        assertFalse(s.turns().get(1).sameDecision(), "the teacher answered, the student called");
        assertTrue(s.turns().get(2).sameTool() && !s.turns().get(2).sameArguments());
        assertTrue(s.turns().get(3).sameDecision());
        assertEquals(0.75, s.decision(), 1e-12, "turns 1, 3 and 4 of 4 (turn 3 acts as the teacher did, if not with its arguments)");
        assertEquals(1.0, s.tool(), 1e-12, "both turns where the teacher acted");
        assertEquals(0.5, s.arguments(), 1e-12);
        assertEquals(2, s.teacherActions());
    }

    private static Trajectory trajectory() {
        List<Trajectory> out = new ArrayList<>();
        TrajectoryImporter.importStream(new ByteArrayInputStream(TRAJECTORY.getBytes(StandardCharsets.UTF_8)),
                "t.jsonl", TrajectoryFormat.CHAT_JSONL, null, out::add);
        return out.get(0);
    }

    /** Writes, after each scripted prompt, its text token by token, then the end-of-text token. */
    private static final class ScriptedStudent implements CausalLm {
        private final Map<String, String> answers;
        private final ModelConfig config = ModelConfig.parse("{\"model_type\": \"gpt2\", \"vocab_size\": 50257,"
                + " \"n_embd\": 8, \"n_layer\": 1, \"n_head\": 1, \"n_positions\": 1024}", "scripted");

        ScriptedStudent(Map<String, String> answers) {
            this.answers = answers;
        }

        /** The longest scripted prompt the tokens start with (each turn's prompt starts with the earlier ones). */
        @Override
        public float[] lastLogits(int[] tokens) {
            int[] prompt = null;
            String text = null;
            for (Map.Entry<String, String> e : answers.entrySet()) {
                int[] p = GPT2.encode(e.getKey()).ids();
                if (tokens.length >= p.length && Arrays.equals(p, Arrays.copyOf(tokens, p.length))
                        && (prompt == null || p.length > prompt.length)) {
                    prompt = p;
                    text = e.getValue();
                }
            }
            if (prompt == null) {
                throw new AssertionError("no scripted prompt for " + GPT2.decode(tokens));
            }
            int[] answer = GPT2.encode(text).ids();
            int written = tokens.length - prompt.length;
            float[] logits = new float[config.vocabSize()];
            logits[written < answer.length ? answer[written] : GPT2.encode("<|endoftext|>").ids()[0]] = 1f;
            return logits;
        }

        @Override
        public ModelConfig config() {
            return config;
        }

        @Override
        public List<Parameter> parameters() {
            return List.of();
        }

        @Override
        public List<Parameter> trainableParameters() {
            return List.of();
        }

        @Override
        public float[] forward(int[] tokens, int[] positions, int B, int T, boolean keepActivations) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void backward(float[] dLogits) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void zeroGrad() {
        }

        @Override
        public long estimateTrainingBytes(int B, int T) {
            return 0;
        }

        @Override
        public long estimateInferenceBytes(int B, int T) {
            return 0;
        }

        @Override
        public void enableLora(LoraConfig cfg, long seed) {
            throw new UnsupportedOperationException();
        }

        @Override
        public LoraConfig lora() {
            return null;
        }
    }
}
