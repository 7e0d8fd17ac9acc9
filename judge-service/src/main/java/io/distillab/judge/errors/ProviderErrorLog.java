package io.distillab.judge.errors;

import io.distillab.judge.judgment.ErrorKind;
import io.distillab.judge.judgment.JudgeInfo;
import io.distillab.judge.judgment.JudgmentKind;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Table {@code provider_error}: every time a judge could not be asked, with its {@link ErrorKind},
 * so that operators see rate limits, outages and refusals that left no judgment behind (an
 * {@code error} judgment is not cached, so the cache alone would forget them).
 */
@ApplicationScoped
public class ProviderErrorLog {
    private static final Logger LOG = Logger.getLogger(ProviderErrorLog.class);

    private final DataSource dataSource;

    public ProviderErrorLog(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** One provider error as {@code GET /api/v1/provider-errors} lists it. */
    public record Entry(Instant at, String kind, String errorKind, String message, String inputHash, String judge,
            String provider, String model, String promptVersion, String replica) {
    }

    /** Counts by error kind since a moment, and the latest entries, newest first. */
    public record Summary(Instant since, Map<String, Long> counts, List<Entry> recent) {
    }

    /**
     * Records one error in its own transaction (autocommit). Diagnostics only: a failure to write
     * it is logged and the judgment goes on.
     */
    public void record(String cacheKey, JudgmentKind kind, JudgeInfo judge, String inputHash, ErrorKind errorKind,
            String message, String replica) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("""
                insert into provider_error (cache_key, kind, judge_name, provider, model, prompt_version,
                    input_hash, error_kind, message, holder) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            ps.setString(1, cacheKey);
            ps.setString(2, kind.wire());
            ps.setString(3, judge.name());
            ps.setString(4, judge.provider());
            ps.setString(5, judge.model());
            ps.setString(6, judge.promptVersion());
            ps.setString(7, inputHash);
            ps.setString(8, errorKind.wire());
            ps.setString(9, message == null ? "" : message);
            ps.setString(10, replica);
            ps.executeUpdate();
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("Could not record a %s provider error for %s: %s", errorKind.wire(), cacheKey, e.getMessage());
        }
    }

    public Summary since(Instant since, int limit) {
        Map<String, Long> counts = new LinkedHashMap<>();
        List<Entry> recent = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("select error_kind, count(*) from provider_error "
                    + "where created_at >= ? group by error_kind order by error_kind")) {
                ps.setTimestamp(1, Timestamp.from(since));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        counts.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("select created_at, kind, error_kind, message, input_hash, "
                    + "judge_name, provider, model, prompt_version, holder from provider_error "
                    + "where created_at >= ? order by created_at desc, id desc limit ?")) {
                ps.setTimestamp(1, Timestamp.from(since));
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        recent.add(new Entry(rs.getTimestamp(1).toInstant(), rs.getString(2), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                                rs.getString(9), rs.getString(10)));
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read provider errors", e);
        }
        return new Summary(since, counts, recent);
    }
}
