package io.distillab.judge.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.judge.judgment.ErrorKind;
import io.distillab.judge.judgment.JudgeInfo;
import io.distillab.judge.judgment.JudgeSettings;
import io.distillab.judge.judgment.JudgmentKind;
import io.distillab.judge.judgment.JudgmentStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * The judgment cache in PostgreSQL, shared by every replica: stored judgments (table
 * {@code judgment}), the claims that keep two replicas from judging one input (table
 * {@code judgment_claim}, see {@link OncePerInput}).
 *
 * <p>Lookups, claims and writes are grouped ({@link Grouped}): concurrent judgments share one
 * query, one claim statement and one write transaction. Each caller still returns only after its
 * own lookup answered or its own row committed, so a stored answer is always visible to the next
 * request for it.
 */
@ApplicationScoped
public class JudgmentCache implements OncePerInput.Store<JudgmentCache.Stored> {
    private static final Logger LOG = Logger.getLogger(JudgmentCache.class);
    private static final int MAX_GROUP = 256;
    private static final TypeReference<Map<String, Object>> PARAMETERS = new TypeReference<>() {
    };

    private static final String CLAIM = """
            insert into judgment_claim (cache_key, holder, claimed_at, expires_at)
            select k, ?, now(), now() + ? * interval '1 millisecond' from unnest(?::varchar[]) as k
            on conflict (cache_key) do update
                set holder = excluded.holder, claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
                where judgment_claim.expires_at < now()
            returning cache_key""";
    private static final String INSERT = """
            insert into judgment (cache_key, kind, judge_name, provider, model, parameters, prompt_version,
                configuration_key, input_hash, status, answer, error, error_kind, latency_ms, created_at)
            values (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, now())
            on conflict (cache_key) do nothing""";
    private static final String RELEASE = "delete from judgment_claim where holder = ? and cache_key = any(?::varchar[])";

    private final ObjectMapper mapper;
    private final DataSource dataSource;
    private final MeterRegistry meters;
    /** This replica in {@code judgment_claim.holder}. */
    private final String holder;
    private final long leaseMillis;
    private final Grouped<String, Optional<Stored>> lookups;
    private final Grouped<String, OncePerInput.Claim> claims;
    private final Grouped<Stored, Boolean> writes;
    private final OncePerInput<Stored> once;

    public JudgmentCache(ObjectMapper mapper, DataSource dataSource, MeterRegistry meters, JudgeSettings settings) {
        this.mapper = mapper;
        this.dataSource = dataSource;
        this.meters = meters;
        this.holder = replicaName();
        JudgeSettings.Claims c = settings.claims();
        this.leaseMillis = c.lease().toMillis();
        this.lookups = new Grouped<>("judgment-cache-lookups", MAX_GROUP, this::findAll);
        this.claims = new Grouped<>("judgment-cache-claims", MAX_GROUP, this::claimAll);
        this.writes = new Grouped<>("judgment-cache-writes", MAX_GROUP, this::storeAll);
        this.once = new OncePerInput<>(this, new OncePerInput.Settings(c.lease(), c.maxWait(), c.pollInitial(),
                c.pollMax(), c.writeAttempts(), c.writeBackoff()), new Reporting());
        LOG.infof("Judgment cache: replica %s, claim lease %s", holder, c.lease());
    }

    /**
     * A stored judgment: its status, the answer's JSON (ok) or the error and its kind (failed),
     * its judge and what it was keyed by.
     */
    public record Stored(String cacheKey, JudgmentKind kind, JudgeInfo judge, String configurationKey,
            String inputHash, JudgmentStatus status, String answerJson, String error, ErrorKind errorKind,
            long latencyMs) {
    }

    /**
     * The stored judgment for {@code key}, or the one {@code ask} gives, asked only while this
     * replica holds the key's claim (see {@link OncePerInput#get}).
     */
    public OncePerInput.Outcome<Stored> getOrAsk(String key, Supplier<Stored> ask) {
        return once.get(key, ask);
    }

    /** This replica's name in claims and provider errors. */
    public String holder() {
        return holder;
    }

    @PreDestroy
    void stop() {
        once.close();
        lookups.stop();
        claims.stop();
        writes.stop();
    }

    // ---- OncePerInput.Store --------------------------------------------------------------------

    @Override
    public Optional<Stored> find(String cacheKey) {
        return lookups.submit(cacheKey);
    }

    @Override
    public OncePerInput.Claim claim(String key) {
        return claims.submit(key);
    }

    @Override
    public void storeAndRelease(String key, Stored judgment) {
        writes.submit(judgment);
    }

    @Override
    public void release(String key) {
        inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(RELEASE)) {
                ps.setString(1, holder);
                ps.setArray(2, keys(c, List.of(key)));
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void renew(List<String> keys) {
        inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("update judgment_claim "
                    + "set expires_at = now() + ? * interval '1 millisecond' "
                    + "where holder = ? and cache_key = any(?::varchar[])")) {
                ps.setLong(1, leaseMillis);
                ps.setString(2, holder);
                ps.setArray(3, keys(c, keys));
                return ps.executeUpdate();
            }
        });
    }

    // ---- groups ----------------------------------------------------------------------------------

    private List<Optional<Stored>> findAll(List<String> keys) {
        Map<String, Stored> found = new HashMap<>();
        QuarkusTransaction.requiringNew().run(() -> JudgmentEntity.findByCacheKeys(keys)
                .forEach(e -> found.put(e.cacheKey, toStored(e))));
        return keys.stream().map(k -> Optional.ofNullable(found.get(k))).toList();
    }

    /**
     * One transaction: claim every key that has no live claim, then give back at once the claims
     * on keys that have a judgment by now (written since the caller's lookup).
     */
    private List<OncePerInput.Claim> claimAll(List<String> group) {
        List<String> distinct = List.copyOf(new LinkedHashSet<>(group));
        Set<String> judged = new HashSet<>();
        Set<String> claimed = inTransaction(c -> {
            Set<String> mine = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
                ps.setString(1, holder);
                ps.setLong(2, leaseMillis);
                ps.setArray(3, keys(c, distinct));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        mine.add(rs.getString(1));
                    }
                }
            }
            if (!mine.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "select cache_key from judgment where cache_key = any(?::varchar[])")) {
                    ps.setArray(1, keys(c, List.copyOf(mine)));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            judged.add(rs.getString(1));
                        }
                    }
                }
                if (!judged.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(RELEASE)) {
                        ps.setString(1, holder);
                        ps.setArray(2, keys(c, List.copyOf(judged)));
                        ps.executeUpdate();
                    }
                }
            }
            return mine;
        });
        return group.stream().map(k -> judged.contains(k) ? OncePerInput.Claim.JUDGED
                : claimed.contains(k) ? OncePerInput.Claim.CLAIMED : OncePerInput.Claim.HELD_ELSEWHERE).toList();
    }

    /**
     * One transaction: the judgments (a row already there, written by a replica that took over
     * an expired claim, is kept) and the release of their claims.
     */
    private List<Boolean> storeAll(List<Stored> group) {
        inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                for (Stored j : group) {
                    int i = 1;
                    ps.setString(i++, j.cacheKey());
                    ps.setString(i++, j.kind().wire());
                    ps.setString(i++, j.judge().name());
                    ps.setString(i++, j.judge().provider());
                    ps.setString(i++, j.judge().model());
                    ps.setString(i++, json(j.judge().parameters()));
                    ps.setString(i++, j.judge().promptVersion());
                    ps.setString(i++, j.configurationKey());
                    ps.setString(i++, j.inputHash());
                    ps.setString(i++, j.status().wire());
                    ps.setString(i++, j.answerJson());
                    ps.setString(i++, j.error());
                    ps.setString(i++, j.errorKind() == null ? null : j.errorKind().wire());
                    ps.setLong(i, j.latencyMs());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement(RELEASE)) {
                ps.setString(1, holder);
                ps.setArray(2, keys(c, group.stream().map(Stored::cacheKey).toList()));
                ps.executeUpdate();
            }
            return null;
        });
        return group.stream().map(j -> true).toList();
    }

    // ---- plumbing ----------------------------------------------------------------------------------

    private interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in a transaction of its own, on a connection enlisted in it. */
    private <T> T inTransaction(SqlWork<T> work) {
        return QuarkusTransaction.requiringNew().call(() -> {
            try (Connection c = dataSource.getConnection()) {
                return work.run(c);
            }
        });
    }

    private static Array keys(Connection c, List<String> keys) throws SQLException {
        return c.createArrayOf("varchar", keys.toArray());
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
        return new Stored(e.cacheKey, JudgmentKind.valueOf(e.kind.toUpperCase(Locale.ROOT)), judge,
                e.configurationKey, e.inputHash, JudgmentStatus.fromWire(e.status), e.answer, e.error,
                e.errorKind == null ? null : ErrorKind.fromWire(e.errorKind), e.latencyMs);
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("Not serializable as JSON: " + value.getClass(), ex);
        }
    }

    /** host:pid:random, so that two processes on one host, or a restarted one, never share a name. */
    private static String replicaName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + ":" + ProcessHandle.current().pid() + ":" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Logs and counts what {@link OncePerInput} meets. */
    private final class Reporting implements OncePerInput.Listener {
        @Override
        public void writeFailed(String key, int attempt, RuntimeException e) {
            meters.counter("distillab.judge.cache.write.retries").increment();
            LOG.warnf("Writing judgment %s failed (attempt %d), retrying: %s", key, attempt, e.getMessage());
        }

        @Override
        public void writeDeferred(String key, int unwritten, RuntimeException e) {
            meters.counter("distillab.judge.cache.write.deferred").increment();
            LOG.warnf("Could not write judgment %s after every attempt (%s); it is returned, kept here and written "
                    + "again every %d ms (%d kept unwritten)", key, e.getMessage(), OncePerInput.UNWRITTEN_RETRY.toMillis(),
                    unwritten);
        }

        @Override
        public void unwrittenStored(String key) {
            LOG.infof("Judgment %s, kept unwritten, is stored now", key);
        }

        @Override
        public void writeGaveUp(String key, RuntimeException e) {
            meters.counter("distillab.judge.cache.write.failures").increment();
            LOG.errorf(e, "Gave up writing judgment %s; its claim runs out so that a later request judges it again",
                    key);
        }

        @Override
        public void releaseFailed(String key, RuntimeException e) {
            LOG.warnf("Could not drop the claim on %s (it runs out by itself): %s", key, e.getMessage());
        }

        @Override
        public void renewFailed(int count, RuntimeException e) {
            LOG.warnf("Could not renew %d judgment claims: %s", count, e.getMessage());
        }

        @Override
        public void waitedForClaim(String key, Duration waited) {
            meters.counter("distillab.judge.claim.waits").increment();
            LOG.debugf("Waited %d ms for another replica's claim on %s", waited.toMillis(), key);
        }
    }
}
