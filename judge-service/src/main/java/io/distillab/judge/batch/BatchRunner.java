package io.distillab.judge.batch;

import io.distillab.judge.api.InvalidRequestException;
import io.distillab.service.support.errors.ErrorReference;
import io.distillab.service.support.problem.DatabaseUnavailable;
import io.distillab.service.support.limits.PayloadTooLargeException;
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
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs a batch: every item validated first (one bad item rejects the batch with a 400 naming
 * {@code items[i].field}, before anything is paid for; more than
 * {@code distillab.limits.judge-batch-items} items are refused with 413 naming {@code items}), then up to
 * {@code distillab.judge.batch.concurrency} items judged at once on worker threads, each result
 * emitted as soon as it is ready. The provider's own concurrency limit still applies across all
 * batches. A client that disconnects cancels the items not yet started.
 */
@ApplicationScoped
public class BatchRunner {
    private static final Logger LOG = Logger.getLogger(BatchRunner.class);

    /** A line's error when PostgreSQL cannot be reached (the single endpoints answer 503 then). */
    public static final String DATABASE_UNAVAILABLE = "database unavailable: the service's database cannot be reached "
            + "right now; nothing of this item was stored; send it again later";

    /** The setting that bounds a batch's items. */
    public static final String MAX_ITEMS_SETTING = "distillab.limits.judge-batch-items";

    private final JudgmentService judgments;
    private final JudgeSettings settings;
    private final int maxItems;

    public BatchRunner(JudgmentService judgments, JudgeSettings settings,
                       @ConfigProperty(name = MAX_ITEMS_SETTING) int maxItems) {
        this.judgments = judgments;
        this.settings = settings;
        this.maxItems = maxItems;
    }

    public <Q extends JudgeRequest, A> Multi<BatchLine<A>> run(BatchRequest<Q> batch, Function<Q, Judgment<A>> judge) {
        List<Q> items = validated(batch);
        return Multi.createFrom().range(0, items.size())
                .onItem().transformToUni(i -> Uni.createFrom().item(() -> judgeOne(i, items.get(i), judge))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .merge(settings.batch().concurrency());
    }

    static <Q, A> BatchLine<A> judgeOne(int index, Q item, Function<Q, Judgment<A>> judge) {
        try {
            return new BatchLine<>(index, judge.apply(item), null);
        } catch (RuntimeException e) {
            if (DatabaseUnavailable.isCause(e)) {
                // not a bug: the lines already sent stand, this item may be sent again once PostgreSQL is back
                LOG.warnf("Batch item %d: database unavailable (%s)", index, e.getMessage());
                return new BatchLine<>(index, null, DATABASE_UNAVAILABLE);
            }
            // a bug or an outage: the exception is for the log, the caller gets its reference
            String reference = ErrorReference.next();
            LOG.errorf(e, "Batch item %d failed: internal error, reference %s", index, reference);
            return new BatchLine<>(index, null, ErrorReference.message(reference));
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
        if (items.size() > maxItems) {
            throw new PayloadTooLargeException("items", "items: holds " + items.size() + " items; at most " + maxItems
                    + " (" + MAX_ITEMS_SETTING + "); split it into batches", maxItems, MAX_ITEMS_SETTING);
        }
        for (int i = 0; i < items.size(); i++) {
            judgments.validate(items.get(i), "items[" + i + "].");
        }
        return items;
    }
}
