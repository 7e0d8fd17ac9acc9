package io.distillab.metrics.judge;

import io.distillab.core.judge.JudgeClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.function.Supplier;

/** The {@link JudgeClient} of the service: judge-service over REST, every failure a clear reason. */
@ApplicationScoped
public class RemoteJudge implements JudgeClient {
    private final JudgeRestClient rest;

    RemoteJudge(JudgeRestClient rest) {
        this.rest = rest;
    }

    @Override
    public List<String> stages(List<StageQuestion> questions, String judge) {
        return call(() -> rest.stages(questions, judge));
    }

    @Override
    public List<Double> rps(List<RpsQuestion> questions, String judge) {
        return call(() -> rest.rps(questions, judge));
    }

    @Override
    public List<Boolean> edges(List<EdgeQuestion> questions, String judge) {
        return call(() -> rest.edges(questions, judge));
    }

    private <T> T call(Supplier<T> request) {
        try {
            return request.get();
        } catch (RuntimeException e) {
            throw rest.unavailable(e);
        }
    }
}
