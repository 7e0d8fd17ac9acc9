package io.distillab.core.judge;

import io.distillab.core.graph.ActionGraph;
import io.distillab.core.graph.CandidateEdge;
import io.distillab.core.graph.CandidateEdges;
import io.distillab.core.tools.ToolClasses;
import io.distillab.core.trajectory.Message;
import io.distillab.core.trajectory.ToolCall;
import io.distillab.core.trajectory.Trajectory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * Validated dependency edges ({@code edges=validated}): every candidate edge's values go to the
 * judge with the source call and its output, the target call and the messages before it; an edge
 * (i, j) is kept when the judge found at least one of its values {@code genuine}. A value the
 * judge gave no answer for (recorded as failed) does not confirm its edge. Trajectories are
 * buffered until a batch of questions is full, so judge-service is asked in batches.
 */
public final class EdgeValidator {
    private final JudgeClient judge;
    private final String judgeName;
    private final ToolClasses classes;
    private final BiConsumer<Trajectory, ActionGraph> sink;
    private final List<Pending> pending = new ArrayList<>();
    private final List<JudgeClient.EdgeQuestion> questions = new ArrayList<>();
    private int judged;

    private record Pending(Trajectory trajectory, List<CandidateEdge> candidates, int firstQuestion) {
    }

    /** @param sink gets each trajectory with its graph over the confirmed edges, once they are judged */
    public EdgeValidator(JudgeClient judge, String judgeName, ToolClasses classes,
                         BiConsumer<Trajectory, ActionGraph> sink) {
        this.judge = judge;
        this.judgeName = judgeName;
        this.classes = classes;
        this.sink = sink;
    }

    public void add(Trajectory t) {
        List<CandidateEdge> candidates = CandidateEdges.of(t);
        pending.add(new Pending(t, candidates, questions.size()));
        for (CandidateEdge e : candidates) {
            questions.add(question(t, e));
        }
        if (questions.size() >= RpsCalculator.BATCH) {
            flush();
        }
    }

    /** Values judged so far. */
    public int judged() {
        return judged;
    }

    public void flush() {
        List<Boolean> genuine = new ArrayList<>(questions.size());
        for (int from = 0; from < questions.size(); from += RpsCalculator.BATCH) {
            genuine.addAll(judge.edges(questions.subList(from, Math.min(questions.size(), from + RpsCalculator.BATCH)),
                    judgeName));
        }
        judged += questions.size();
        for (Pending p : pending) {
            List<CandidateEdge> confirmed = new ArrayList<>();
            for (int i = 0; i < p.candidates().size(); i++) {
                if (Boolean.TRUE.equals(genuine.get(p.firstQuestion() + i))) {
                    confirmed.add(p.candidates().get(i));
                }
            }
            sink.accept(p.trajectory(), ActionGraph.of(p.trajectory(), classes, confirmed));
        }
        pending.clear();
        questions.clear();
    }

    /** The judge's question for one candidate edge: value, source call with output, target call, messages before it. */
    public static JudgeClient.EdgeQuestion question(Trajectory t, CandidateEdge e) {
        ToolCall source = t.calls().get(e.source() - 1);
        ToolCall target = t.calls().get(e.target() - 1);
        List<JudgeClient.ChatMessage> before = new ArrayList<>();
        for (int m = 0; m < target.messageIndex(); m++) {
            Message msg = t.messages().get(m);
            before.add(new JudgeClient.ChatMessage(msg.role().name().toLowerCase(Locale.ROOT), msg.text()));
        }
        return new JudgeClient.EdgeQuestion(e.value(),
                new JudgeClient.Call(source.name(), source.arguments(), source.output()),
                new JudgeClient.Call(target.name(), target.arguments(), null), before);
    }
}
