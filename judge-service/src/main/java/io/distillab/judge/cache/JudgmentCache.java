package io.distillab.judge.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.judge.judgment.JudgeInfo;
import io.distillab.judge.judgment.JudgmentKind;
import io.distillab.judge.judgment.JudgmentStatus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The judgment cache in PostgreSQL. Each call runs in a transaction of its own: judgments are
 * made on batch worker threads with no request context, and a stored answer must be committed
 * before the next lookup for it.
 */
@ApplicationScoped
public class JudgmentCache {
    private static final Logger LOG = Logger.getLogger(JudgmentCache.class);
    /** PostgreSQL's unique_violation: another instance recorded the same judgment first. */
    private static final String UNIQUE_VIOLATION = "23505";
    private static final TypeReference<Map<String, Object>> PARAMETERS = new TypeReference<>() {
    };

    private final ObjectMapper mapper;

    public JudgmentCache(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** A stored judgment: its status, the answer's JSON (ok) or the error (failed), and its judge. */
    public record Stored(JudgmentStatus status, String answerJson, String error, JudgeInfo judge) {
    }

    /** A judgment to store. */
    public record NewJudgment(String cacheKey, JudgmentKind kind, JudgeInfo judge, String configurationKey,
            String inputHash, JudgmentStatus status, Object answer, String error, long latencyMs) {
    }

    public Optional<Stored> find(String cacheKey) {
        return QuarkusTransaction.joiningExisting().call(() -> JudgmentEntity.findByCacheKey(cacheKey).map(this::toStored));
    }

    /**
     * Stores a judgment. A row already there for the key (another instance was faster) is kept;
     * a database failure is logged and does not fail the judgment, which the caller still gets.
     */
    public void record(NewJudgment j) {
        JudgmentEntity e = new JudgmentEntity();
        e.cacheKey = j.cacheKey();
        e.kind = j.kind().wire();
        e.judgeName = j.judge().name();
        e.provider = j.judge().provider();
        e.model = j.judge().model();
        e.parameters = json(j.judge().parameters());
        e.promptVersion = j.judge().promptVersion();
        e.configurationKey = j.configurationKey();
        e.inputHash = j.inputHash();
        e.status = j.status().wire();
        e.answer = j.answer() == null ? null : json(j.answer());
        e.error = j.error();
        e.latencyMs = j.latencyMs();
        e.createdAt = Instant.now();
        try {
            QuarkusTransaction.requiringNew().run(e::persist);
        } catch (RuntimeException ex) {
            if (UNIQUE_VIOLATION.equals(sqlState(ex))) {
                LOG.debugf("Judgment %s was recorded concurrently; keeping the first", j.cacheKey());
            } else {
                LOG.errorf(ex, "Could not record judgment %s (%s, %s); it is returned but not cached",
                        j.cacheKey(), j.kind().wire(), j.judge().name());
            }
        }
    }

    public long countByInputHash(String inputHash) {
        return QuarkusTransaction.joiningExisting().call(() -> JudgmentEntity.countByInputHash(inputHash));
    }

    private Stored toStored(JudgmentEntity e) {
        Map<String, Object> parameters;
        try {
            parameters = mapper.readValue(e.parameters, PARAMETERS);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("Stored parameters of judgment " + e.id + " are not JSON", ex);
        }
        JudgeInfo judge = new JudgeInfo(e.judgeName, e.provider, e.model, parameters, e.promptVersion,
                JudgeInfo.OFFLINE_PROVIDER.equals(e.provider));
        return new Stored(JudgmentStatus.fromWire(e.status), e.answer, e.error, judge);
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("Not serializable as JSON: " + value.getClass(), ex);
        }
    }

    private static String sqlState(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }
}
