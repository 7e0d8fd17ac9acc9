package io.distillab.judge.judgment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.judge.api.Violations;
import io.distillab.judge.cache.JudgmentCache;
import io.distillab.judge.cache.OncePerInput;
import io.distillab.judge.edge.EdgeAnswer;
import io.distillab.judge.errors.ProviderErrorLog;
import io.distillab.judge.edge.EdgeRequest;
import io.distillab.judge.rps.RpsAnswer;
import io.distillab.judge.rps.RpsRequest;
import io.distillab.judge.stage.StageAnswer;
import io.distillab.judge.stage.StageRequest;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;
import org.jboss.logging.Logger;

/**
 * Every judgment goes through here: pick the judge, look the input up in the cache, ask the judge
 * only on a miss and only while holding the input's claim (another replica asking meanwhile waits
 * for the answer), store what it answered. An identical request already in flight in this process
 * is waited for instead of asked again, so a batch with repeated items pays once for each distinct
 * item.
 */
@ApplicationScoped
public class JudgmentService {
    private static final Logger LOG = Logger.getLogger(JudgmentService.class);

    private final JudgeRegistry judges;
    private final JudgmentCache cache;
    private final ProviderErrorLog errors;
    private final ObjectMapper mapper;
    private final MeterRegistry meters;
    private final ConcurrentMap<String, CompletableFuture<Judgment<?>>> inFlight = new ConcurrentHashMap<>();

    public JudgmentService(JudgeRegistry judges, JudgmentCache cache, ProviderErrorLog errors, ObjectMapper mapper,
            MeterRegistry meters) {
        this.judges = judges;
        this.cache = cache;
        this.errors = errors;
        this.mapper = mapper;
        this.meters = meters;
    }

    /** Validates one request (400 on bad fields, the judge name included). */
    public void validate(JudgeRequest request, String path) {
        Violations violations = new Violations();
        if (violations.present(path.isEmpty() ? "body" : path.substring(0, path.length() - 1), request)) {
            request.validate(violations, path);
        }
        violations.throwIfAny();
        judges.select(request.judge(), path + "judge");
    }

    /** The stage of one validated message request. */
    public Judgment<StageAnswer> annotateStage(StageRequest request) {
        return judge(JudgmentKind.STAGE, request, StageAnswer.class, Judge::annotateStage);
    }

    /** RPS scores of one validated request. */
    public Judgment<RpsAnswer> scoreRps(RpsRequest request) {
        return judge(JudgmentKind.RPS, request, RpsAnswer.class, Judge::scoreRps);
    }

    /** The verdict on one validated edge; string-encoded arguments are parsed first. */
    public Judgment<EdgeAnswer> validateEdge(EdgeRequest request) {
        return judge(JudgmentKind.EDGE, request.normalized(), EdgeAnswer.class, Judge::validateEdge);
    }

    /**
     * Judges one validated request.
     *
     * @param ask the judge method for this kind
     */
    <Q extends JudgeRequest, A> Judgment<A> judge(JudgmentKind kind, Q request, Class<A> answerType,
            BiFunction<Judge, Q, A> ask) {
        Judge judge = judges.select(request.judge(), "judge");
        JudgeInfo info = judge.info(kind);
        String inputHash = Hashing.inputHash(request);
        String key = Hashing.cacheKey(judge.configurationKey(), info.promptVersion(), kind, inputHash);

        CompletableFuture<Judgment<?>> mine = new CompletableFuture<>();
        CompletableFuture<Judgment<?>> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return sharedResult(running);
        }
        try {
            Judgment<A> outcome = lookupOrAsk(kind, request, answerType, ask, judge, info, inputHash, key);
            count(kind, judge, outcome);
            mine.complete(outcome);
            return outcome;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    @SuppressWarnings("unchecked")
    private static <A> Judgment<A> sharedResult(CompletableFuture<Judgment<?>> running) {
        try {
            return ((Judgment<A>) running.join()).shared();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * The stored judgment, or the judge's answer, asked only while this replica holds the input's
     * claim in the database (so that no two replicas ask for one input) and stored with the
     * claim's release. A judge that could not be asked gives status error and a provider_error row.
     */
    private <Q extends JudgeRequest, A> Judgment<A> lookupOrAsk(JudgmentKind kind, Q request, Class<A> answerType,
            BiFunction<Judge, Q, A> ask, Judge judge, JudgeInfo info, String inputHash, String key) {
        OncePerInput.Outcome<JudgmentCache.Stored> outcome;
        try {
            outcome = cache.getOrAsk(key, () -> ask(kind, request, ask, judge, info, inputHash, key));
        } catch (JudgeUnavailableException e) {
            return new Judgment<>(JudgmentStatus.ERROR, null, e.getMessage(), e.kind(), info, inputHash, false);
        } catch (OncePerInput.ClaimWaitTimeoutException e) {
            return new Judgment<>(JudgmentStatus.ERROR, null, e.getMessage(), ErrorKind.CLAIM_WAIT_TIMEOUT, info,
                    inputHash, false);
        }
        JudgmentCache.Stored s = outcome.result();
        A answer = s.answerJson() == null ? null : read(s.answerJson(), answerType);
        boolean cached = outcome instanceof OncePerInput.Stored;
        return new Judgment<>(s.status(), answer, s.error(), s.errorKind(), cached ? s.judge() : info, inputHash,
                cached);
    }

    /** Asks the judge (this replica holds the claim): ok or failed to store, or the judge could not be asked. */
    private <Q extends JudgeRequest, A> JudgmentCache.Stored ask(JudgmentKind kind, Q request,
            BiFunction<Judge, Q, A> ask, Judge judge, JudgeInfo info, String inputHash, String key) {
        long start = System.nanoTime();
        try {
            A answer = ask.apply(judge, request);
            return new JudgmentCache.Stored(key, kind, info, judge.configurationKey(), inputHash, JudgmentStatus.OK,
                    json(answer), null, null, elapsedMillis(start));
        } catch (JudgmentFailedException e) {
            LOG.infof("%s judgment %s by %s failed (%s): %s", kind.wire(), inputHash, judge.name(), e.kind().wire(),
                    e.getMessage());
            return new JudgmentCache.Stored(key, kind, info, judge.configurationKey(), inputHash,
                    JudgmentStatus.FAILED, null, e.getMessage(), e.kind(), elapsedMillis(start));
        } catch (JudgeUnavailableException e) {
            errors.record(key, kind, info, inputHash, e.kind(), e.getMessage(), cache.holder());
            throw e;
        }
    }

    private void count(JudgmentKind kind, Judge judge, Judgment<?> outcome) {
        meters.counter("distillab.judgments", "kind", kind.wire(), "judge", judge.name(),
                "status", outcome.status().wire(), "cached", Boolean.toString(outcome.cached()),
                "error_kind", outcome.errorKind() == null ? "none" : outcome.errorKind().wire()).increment();
    }

    private <A> A read(String json, Class<A> type) {
        try {
            return mapper.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A stored " + type.getSimpleName() + " no longer reads back", e);
        }
    }

    private String json(Object answer) {
        try {
            return mapper.writeValueAsString(answer);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("An answer does not serialize: " + answer.getClass(), e);
        }
    }

    private static long elapsedMillis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
