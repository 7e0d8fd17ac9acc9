package io.distillab.cli.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.cli.AtomicFiles;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.training.data.Tokenizer;
import io.distillab.training.generate.TurnEvaluation;
import io.distillab.training.model.CausalLm;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code distillab evaluate}: next-action agreement of a student with its teacher, teacher forced. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Next-action agreement of a student with its teacher, turn by turn.",
            "At every assistant turn of the trajectories the student gets the teacher's conversation so far and",
            "writes the turn greedily; it is compared with the teacher's (act or answer, first tool, first tool",
            "with its arguments)."})
public final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StudentCheckpoint checkpoint;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "The teacher's trajectories.")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT", description = "Format of --data (default: detected).")
    String format;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "The first N trajectories (default 20).")
    int limit;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "128", description = "Tokens per turn at most (default 128).")
    int maxTokens;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the summary and every turn as JSON.")
    Path json;

    @Override
    public Integer call() throws IOException {
        if (limit < 1 || maxTokens < 1) {
            throw new ParameterException(spec.commandLine(), "--limit and --max-tokens must be at least 1");
        }
        CausalLm model = checkpoint.model();
        Tokenizer tok = checkpoint.tokenizer();
        List<Trajectory> all = new ArrayList<>();
        TrajectoryImporter.importPath(data, format == null ? null : TrajectoryFormat.fromName(format), null, t -> {
            if (all.size() < limit) {
                all.add(t);
            }
        });
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        TurnEvaluation.Summary s = new TurnEvaluation(model, tok, maxTokens).run(all, turn -> {
            err.printf(Locale.ROOT, "evaluate: record %d turn %d: teacher %s, student %s%n", turn.record(), turn.turn(),
                    turn.teacherTool() == null ? "answers" : "calls " + turn.teacherTool(),
                    turn.studentTool() == null ? "answers" : "calls " + turn.studentTool());
            err.flush();
        });
        out.printf(Locale.ROOT, "%-10s %8s %8s %10s %12s%n", "trajectories", "turns", "decision", "first tool", "tool + args");
        out.printf(Locale.ROOT, "%-12d %8d %8s %10s %12s%n", all.size(), s.turns().size(), percent(s.decision()),
                percent(s.tool()), percent(s.arguments()));
        out.printf(Locale.ROOT, "(first tool and tool + args over the %d turns where the teacher called a tool; %.1f s)%n",
                s.teacherActions(), (System.nanoTime() - t0) / 1e9);
        out.flush();
        if (json != null) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = mapper.createObjectNode();
            o.put("student", checkpoint.folder().toString()).put("data", data.toString()).put("trajectories", all.size())
                    .put("turns", s.turns().size()).put("teacher_actions", s.teacherActions());
            number(o, "decision", s.decision());
            number(o, "tool", s.tool());
            number(o, "arguments", s.arguments());
            ArrayNode turns = o.putArray("per_turn");
            for (TurnEvaluation.Turn t : s.turns()) {
                turns.addObject().put("record", t.record()).put("turn", t.turn()).put("teacher_tool", t.teacherTool())
                        .put("student_tool", t.studentTool()).put("same_decision", t.sameDecision())
                        .put("same_tool", t.sameTool()).put("same_arguments", t.sameArguments())
                        .put("student_text", t.studentText());
            }
            AtomicFiles.write(json, os -> mapper.writeValue(os, o));
        }
        return 0;
    }

    private static String percent(double x) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * x);
    }

    private static void number(ObjectNode o, String name, double x) {
        if (Double.isNaN(x)) {
            o.putNull(name);
        } else {
            o.put(name, x);
        }
    }
}
