package io.distillab.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.core.trajectory.Trajectory;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Qwen3 chat template, rendered by jinjava as {@link ChatTemplate} configures it, gives the
 * same text as Python's jinja2 configured as Hugging Face transformers configures it. The reference
 * (qwen3-reference.json beside this test) was made once by render_reference.py from the raw data
 * files, building the OpenAI messages independently of the Java importers. Exact equality.
 */
class ChatTemplateReferenceTest {

    @Test
    void qwen3RendersBundledTrajectoriesAsJinja2Does() throws Exception {
        JsonNode cases;
        try (InputStream in = getClass().getResourceAsStream("qwen3-reference.json")) {
            cases = new ObjectMapper().readTree(in);
        }
        TrajectoryRenderer renderer = new TrajectoryRenderer(TestData.qwen3());
        List<Trajectory> tauBench = TestData.load(TestData.TAU_BENCH);
        for (JsonNode c : cases) {
            String file = c.get("file").asText();
            Trajectory t = file.startsWith("data/tau-bench/")
                    ? tauBench.get(c.get("record").asInt())
                    : TestData.load(TestData.data(file.substring("data/".length()))).get(0);
            assertEquals(c.get("text").asText(), renderer.render(t).text(), file + " record " + c.get("record"));
        }
    }

    @Test
    void pythonJsonOfFloatsAndEscapes() {
        // json.dumps([0.1, 1e-05, 1e+16, 123456789.0, -2.5, 1, "é\n\"\\\u0001"], ensure_ascii=False)
        assertEquals("[0.1, 1e-05, 1e+16, 123456789.0, -2.5, 1, \"é\\n\\\"\\\\\\u0001\"]",
                PyJson.dumps(List.of(0.1, 1e-5, 1e16, 123456789.0, -2.5, 1, "é\n\"\\\u0001")));
    }
}
