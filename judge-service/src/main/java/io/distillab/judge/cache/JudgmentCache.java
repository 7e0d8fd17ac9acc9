package io.distillab.judge.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.judge.judgment.JudgeInfo;
import io.distillab.judge.judgment.JudgmentKind;
import io.distillab.judge.judgment.JudgmentStatus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The judgment cache in PostgreSQL.
 *
 * <p>Lookups and writes are grouped ({@link Grouped}): concurrent judgments share one
 * {@code select ... where cache_key in (...)} and one insert transaction (JDBC-batched). Each
 * caller still returns only after its own lookup answered or its own row committed, so a stored
 * answer is always visible to the next request for it.
 */
@ApplicationScoped
public class JudgmentCache {
    private static final Logger LOG = Logger.getLogger(JudgmentCache.class);
    /** PostgreSQL's unique_violation: another instance recorded the same judgment first. */
    private static final String UNIQUE_VIOLATION = "23505";
    private static final int MAX_GROUP = 256;
    private static final TypeReference<Map<String, Object>> PARAMETERS = new TypeReference<>() {
    };

    private final ObjectMapper mapper;
    private final Grouped<String, Optional<Stored>> lookups;
    private final Grouped<NewJudgment, Boolean> writes;

    public JudgmentCache(ObjectMapper mapper) {
        this.mapper = mapper;
        this.lookups = new Grouped<>("judgment-cache-lookups", MAX_GROUP, this::findAll);
        this.writes = new Grouped<>("judgment-cache-writes", MAX_GROUP, this::recordAll);
    }

    /** A stored judgment: its status, the answer's JSON (ok) or the error (failed), and its judge. */
    public record Stored(JudgmentStatus status, String answerJson, String error, JudgeInfo judge) {
    }

    /** A judgment to store. */
    public record NewJudgment(String cacheKey, JudgmentKind kind, JudgeInfo judge, String configurationKey,
            String inputHash, JudgmentStatus status, Object answer, String error, long latencyMs) {
    }

    public Optional<Stored> find(String cacheKey) {
        return lookups.submit(cacheKey);
    }

    /**
     * Stores a judgment, returning once it is committed. A row already there for the key
     * (another instance was faster) is kept; a database failure is logged and does not fail the
     * judgment, which the caller still gets.
     */
    public void record(NewJudgment j) {
        try {
            writes.submit(j);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Could not record judgment %s (%s, %s); it is returned but not cached",
                    j.cacheKey(), j.kind().wire(), j.judge().name());
        }
    }

    @PreDestroy
    void stop() {
        lookups.stop();
        writes.stop();
    }

    private List<Optional<Stored>> findAll(List<String> keys) {
        Map<String, Stored> found = new HashMap<>();
        QuarkusTransaction.requiringNew().run(() -> JudgmentEntity.findByCacheKeys(keys)
                .forEach(e -> found.put(e.cacheKey, toStored(e))));
        return keys.stream().map(k -> Optional.ofNullable(found.get(k))).toList();
    }

    /** One transaction for the group; if it fails (a duplicate key), each row on its own. */
    private List<Boolean> recordAll(List<NewJudgment> group) {
        List<Boolean> done = new ArrayList<>(group.size());
        try {
            QuarkusTransaction.requiringNew().run(() -> group.forEach(j -> entity(j).persist()));
            group.forEach(j -> done.add(true));
            return done;
        } catch (RuntimeException groupFailure) {
            if (group.size() == 1) {
                return List.of(duplicate(group.get(0), groupFailure));
            }
        }
        for (NewJudgment j : group) {
            try {
                QuarkusTransaction.requiringNew().run(() -> entity(j).persist());
                done.add(true);
            } catch (RuntimeException e) {
                done.add(duplicate(j, e));
            }
        }
        return done;
    }

    /** A unique violation means the judgment is stored already; anything else propagates. */
    private static boolean duplicate(NewJudgment j, RuntimeException e) {
        if (UNIQUE_VIOLATION.equals(sqlState(e))) {
            LOG.debugf("Judgment %s was recorded concurrently; keeping the first", j.cacheKey());
            return false;
        }
        throw e;
    }

    private JudgmentEntity entity(NewJudgment j) {
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
        return e;
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
