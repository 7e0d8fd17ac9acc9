package io.distillab.judging.offline;

import io.distillab.core.judge.JudgeClient;
import io.distillab.judging.EdgeVerdict;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The offline judge as a {@link JudgeClient}, in-process: what judge-service's offline judge answers
 * over HTTP, without a service. The embedding model loads at the first stage or RPS question (edge
 * questions never need it); questions of a batch are judged on all cores.
 */
public final class OfflineJudgeClient implements JudgeClient {
    private final Supplier<OfflineJudge> judge;
    private OfflineJudge loaded;

    /** Loads all-MiniLM-L6-v2 (from the jar) on first use, with judge-service's default cache size. */
    public OfflineJudgeClient() {
        this(() -> new OfflineJudge(new SentenceEmbedder(SentenceEmbedder.DEFAULT_CACHE_SIZE,
                Runtime.getRuntime().availableProcessors())));
    }

    public OfflineJudgeClient(Supplier<OfflineJudge> judge) {
        this.judge = judge;
    }

    private synchronized OfflineJudge judge() {
        if (loaded == null) {
            loaded = judge.get();
        }
        return loaded;
    }

    @Override
    public List<String> stages(List<StageQuestion> questions, String judgeName) {
        OfflineJudge j = judge();
        return inParallel(questions.size(), i -> j.stage(questions.get(i).text()).stage().wire());
    }

    @Override
    public List<Double> rps(List<RpsQuestion> questions, String judgeName) {
        OfflineJudge j = judge();
        return inParallel(questions.size(), i -> j.rps(questions.get(i).messagesA(), questions.get(i).messagesB()).overall());
    }

    @Override
    public List<Boolean> edges(List<EdgeQuestion> questions, String judgeName) {
        return inParallel(questions.size(), i -> {
            EdgeVerdict v = OfflineJudge.edgeOnly(questions.get(i)).verdict();
            return v == null ? null : v == EdgeVerdict.GENUINE;
        });
    }

    /** Answers in question order, computed on all cores (each answer depends on its question only). */
    private static <T> List<T> inParallel(int n, IntFunction<T> answer) {
        return IntStream.range(0, n).parallel().mapToObj(answer).toList();
    }
}
