package io.distillab.judge.batch;

import io.distillab.judge.api.InvalidRequestException;
import io.distillab.judge.judgment.JudgeRequest;
import io.distillab.judge.judgment.JudgeSettings;
import io.distillab.judge.judgment.Judgment;
import io.distillab.judge.judgment.JudgmentService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Runs a batch: every item validated first (one bad item rejects the batch with a 400 naming
 * {@code items[i].field}, before anything is paid for), then up to
 * {@code distillab.judge.batch.concurrency} items judged at once on worker threads, each result
 * emitted as soon as it is ready. The provider's own concurrency limit still applies across all
 * batches. A client that disconnects cancels the items not yet started.
 */
@ApplicationScoped
public class BatchRunner {
    private static final Logger LOG = Logger.getLogger(BatchRunner.class);

    private final JudgmentService judgments;
    private final JudgeSettings settings;

    public BatchRunner(JudgmentService judgments, JudgeSettings settings) {
        this.judgments = judgments;
        this.settings = settings;
    }

    public <Q extends JudgeRequest, A> Multi<BatchLine<A>> run(BatchRequest<Q> batch, Function<Q, Judgment<A>> judge) {
        List<Q> items = validated(batch);
        return Multi.createFrom().range(0, items.size())
                .onItem().transformToUni(i -> Uni.createFrom().item(() -> judgeOne(i, items.get(i), judge))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .merge(settings.batch().concurrency());
    }

    private <Q, A> BatchLine<A> judgeOne(int index, Q item, Function<Q, Judgment<A>> judge) {
        try {
            return new BatchLine<>(index, judge.apply(item), null);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Batch item %d failed", index);
            return new BatchLine<>(index, null, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private <Q extends JudgeRequest> List<Q> validated(BatchRequest<Q> batch) {
        if (batch == null || batch.items() == null) {
            throw new InvalidRequestException("items", "is required");
        }
        List<Q> items = batch.items();
        if (items.isEmpty()) {
            throw new InvalidRequestException("items", "must hold at least one item");
        }
        if (items.size() > settings.batch().maxItems()) {
            throw new InvalidRequestException("items", "holds " + items.size() + " items; at most "
                    + settings.batch().maxItems() + " (distillab.judge.batch.max-items)");
        }
        for (int i = 0; i < items.size(); i++) {
            judgments.validate(items.get(i), "items[" + i + "].");
        }
        return items;
    }
}
