package io.distillab.cli.bench;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A synthetic population with the statistics of a real tau-bench file: each synthetic task takes a
 * real task as its template (task k uses real task k mod T), and each model's trial r of it is the
 * real trial r, perturbed by the model's own habits: it skips some read calls, repeats some calls
 * (a verification habit), and some runs flip their reward. Message texts, arguments and tool outputs
 * are the real ones, so sizes, tool mix and dependency edges are realistic; models differ, so the
 * matrix is not trivial. Deterministic for a seed.
 */
public final class SyntheticPopulation {
    private static final ObjectMapper M = new ObjectMapper();

    private SyntheticPopulation() {
    }

    /** Writes one tau-bench results file per model into {@code dir}; returns the files. */
    public static List<Path> write(Path source, Path dir, int models, int tasks, int trials, long seed)
            throws IOException {
        JsonNode real = M.readTree(source.toFile());
        Map<String, List<JsonNode>> byTask = new TreeMap<>();
        for (JsonNode r : real) {
            byTask.computeIfAbsent(r.get("task_id").asText(), k -> new ArrayList<>()).add(r);
        }
        List<List<JsonNode>> templates = new ArrayList<>(byTask.values());
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (int m = 0; m < models; m++) {
            SplittableRandom habits = new SplittableRandom(seed * 1_000_003L + m);
            double skipRead = 0.05 + 0.25 * habits.nextDouble();
            double repeat = 0.02 + 0.20 * habits.nextDouble();
            double flip = 0.10 * habits.nextDouble();
            Path file = dir.resolve(String.format("synthetic-%02d-airline.json", m));
            try (JsonGenerator g = M.getFactory().createGenerator(file.toFile(), JsonEncoding.UTF8)) {
                g.writeStartArray();
                for (int k = 0; k < tasks; k++) {
                    List<JsonNode> template = templates.get(k % templates.size());
                    for (int r = 0; r < trials; r++) {
                        SplittableRandom rnd = new SplittableRandom(((seed * 31 + m) * 100_003L + k) * 31 + r);
                        JsonNode base = template.get(r % template.size());
                        g.writeTree(perturb(base, k, r, skipRead, repeat, flip, rnd));
                    }
                }
                g.writeEndArray();
            }
            files.add(file);
        }
        return files;
    }

    private static ObjectNode perturb(JsonNode base, int task, int trial, double skipRead, double repeat, double flip,
                                      SplittableRandom rnd) {
        ObjectNode rec = base.deepCopy();
        rec.put("task_id", task);
        rec.put("trial", trial);
        if (rnd.nextDouble() < flip) {
            rec.put("reward", 1.0 - rec.get("reward").asDouble());
        }
        ArrayNode traj = (ArrayNode) rec.get("traj");
        ArrayNode out = M.createArrayNode();
        for (int i = 0; i < traj.size(); i++) {
            JsonNode msg = traj.get(i);
            JsonNode calls = msg.get("tool_calls");
            boolean oneCall = calls != null && calls.isArray() && calls.size() == 1;
            int answers = 0;
            while (oneCall && i + 1 + answers < traj.size()
                    && "tool".equals(traj.get(i + 1 + answers).path("role").asText())) {
                answers++;
            }
            if (oneCall && answers == 1) {
                String name = calls.get(0).path("function").path("name").asText();
                boolean read = name.startsWith("get_") || name.startsWith("search_") || name.startsWith("list_");
                JsonNode answer = traj.get(i + 1);
                i++;
                if (read && rnd.nextDouble() < skipRead) {
                    continue;
                }
                out.add(msg);
                out.add(answer);
                if (rnd.nextDouble() < repeat) {
                    out.add(msg);
                    out.add(answer);
                }
                continue;
            }
            out.add(msg);
        }
        rec.set("traj", out);
        return rec;
    }
}
