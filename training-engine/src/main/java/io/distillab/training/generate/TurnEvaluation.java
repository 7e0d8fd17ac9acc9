package io.distillab.training.generate;

import io.distillab.core.trajectory.Message;
import io.distillab.core.trajectory.Role;
import io.distillab.core.trajectory.ToolCall;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.training.data.Tokenizer;
import io.distillab.training.data.TrajectoryRenderer;
import io.distillab.training.model.CausalLm;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Next-action agreement of a student with the teacher whose trajectories it learnt from, teacher
 * forced: at every assistant turn of a trajectory the student gets the teacher's conversation so
 * far (rendered as training renders it) and writes the turn greedily; its turn is read back
 * ({@link StudentTurn}) and set beside the teacher's. Per turn: whether both act (call a tool) or
 * both answer; when the teacher acts, whether the student's first call has the teacher's first
 * call's name, and the same name and arguments (JSON equality).
 */
public final class TurnEvaluation {
    /** One assistant turn: the teacher's first call (null: it answered) and what the student wrote. */
    public record Turn(int record, int turn, String teacherTool, String studentTool, boolean sameDecision,
                       boolean sameTool, boolean sameArguments, String studentText) {
    }

    /**
     * @param turns          every turn evaluated
     * @param decision       turns where both acted or both answered, over all turns
     * @param tool           teacher-acting turns where the student called the same tool first, over those turns
     * @param arguments      ... with the same arguments too
     * @param teacherActions turns where the teacher acted
     */
    public record Summary(List<Turn> turns, double decision, double tool, double arguments, int teacherActions) {
    }

    private final CausalLm model;
    private final Tokenizer tokenizer;
    private final TrajectoryRenderer renderer;
    private final boolean reusePrompts;
    private final int maxTokens;
    private TurnWriter writer;
    private long promptTokens;
    private long reusedTokens;

    public TurnEvaluation(CausalLm model, Tokenizer tokenizer, int maxTokens) {
        this(model, tokenizer, maxTokens, true);
    }

    /**
     * @param reusePrompts false: every turn starts a new model session (no key/value cache shared
     *                     between the turns of a trajectory), for {@code distillab bench evaluate}
     */
    public TurnEvaluation(CausalLm model, Tokenizer tokenizer, int maxTokens, boolean reusePrompts) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.renderer = new TrajectoryRenderer(tokenizer);
        this.reusePrompts = reusePrompts;
        this.maxTokens = maxTokens;
    }

    /** Prompt tokens of the turns evaluated so far, and how many of them came from the cache. */
    public long[] promptTokens() {
        return new long[] {promptTokens, reusedTokens};
    }

    /** Evaluates every assistant turn of the trajectories; {@code progress} hears of each turn. */
    public Summary run(List<Trajectory> trajectories, Consumer<Turn> progress) {
        List<Turn> turns = new ArrayList<>();
        for (int r = 0; r < trajectories.size(); r++) {
            Trajectory t = trajectories.get(r);
            int k = 0;
            for (Message m : t.messages()) {
                if (m.role() != Role.ASSISTANT) {
                    continue;
                }
                k++;
                Turn turn = turn(r, t, k, m);
                turns.add(turn);
                progress.accept(turn);
            }
        }
        int acting = 0;
        int decisions = 0;
        int tools = 0;
        int arguments = 0;
        for (Turn turn : turns) {
            decisions += turn.sameDecision() ? 1 : 0;
            if (turn.teacherTool() != null) {
                acting++;
                tools += turn.sameTool() ? 1 : 0;
                arguments += turn.sameArguments() ? 1 : 0;
            }
        }
        return new Summary(turns, turns.isEmpty() ? Double.NaN : decisions / (double) turns.size(),
                acting == 0 ? Double.NaN : tools / (double) acting, acting == 0 ? Double.NaN : arguments / (double) acting,
                acting);
    }

    /** The student's version of assistant message {@code k} (from 1) of trajectory {@code r}. */
    Turn turn(int r, Trajectory t, int k, Message teacher) {
        String generated = write(renderer.prompt(t, k));
        StudentTurn student = StudentTurn.parse(generated);
        ToolCall first = teacher.calls().isEmpty() ? null : teacher.calls().get(0);
        StudentTurn.Call mine = student.calls().isEmpty() ? null : student.calls().get(0);
        boolean sameTool = first != null && mine != null && first.name().equals(mine.name());
        boolean sameArguments = sameTool && mine.arguments() != null && first.arguments() != null
                && mine.arguments().equals(first.arguments());
        return new Turn(r, k, first == null ? null : first.name(), mine == null ? null : mine.name(),
                (first == null) == (mine == null), sameTool, sameArguments, generated);
    }

    /** Greedy text after the prompt, to the end of the turn. */
    private String write(String prompt) {
        if (writer == null || !reusePrompts) {
            writer = new TurnWriter(model, tokenizer, tokenizer.chatTemplate() == null);
        }
        TurnWriter.Written w = writer.write(prompt, maxTokens, Sampler.greedy(), text -> { });
        promptTokens += w.prompt();
        reusedTokens += w.reused();
        return w.written();
    }
}
