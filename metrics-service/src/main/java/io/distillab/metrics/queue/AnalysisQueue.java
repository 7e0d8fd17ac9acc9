package io.distillab.metrics.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The analysis queue in PostgreSQL, shared by every replica. A worker claims the oldest claimable
 * analysis with {@code FOR UPDATE SKIP LOCKED} (so concurrent claimers never block on or take the
 * same row) and holds it under a lease that its heartbeats extend. An analysis whose lease
 * expired (its replica died) is claimable again. Every write after the claim is fenced on
 * {@code lease_owner}: a worker that lost its lease can neither report progress nor complete, so
 * an analysis runs to completion once.
 */
public final class AnalysisQueue {
    private static final String CLAIM = """
            UPDATE analysis a
               SET status = 'running', lease_owner = ?, lease_expires_at = now() + make_interval(secs => ?),
                   attempts = a.attempts + 1, started_at = now(), phase = 'starting', progress_done = 0,
                   progress_total = 0, error = NULL, error_code = NULL
              FROM (SELECT id FROM analysis
                     WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < now())
                     ORDER BY created_at, id
                     LIMIT 1
                     FOR UPDATE SKIP LOCKED) claimable
             WHERE a.id = claimable.id
            RETURNING a.id, a.dataset_id, a.parameters, a.attempts""";

    /** The error code of an analysis whose workers kept dying on it. */
    public static final String GIVEN_UP = "given-up";

    private final DataSource dataSource;
    private final Duration lease;
    private final int maxAttempts;

    /**
     * @param lease       how long a claim holds without a heartbeat
     * @param maxAttempts claims after which an analysis is given up (its workers keep dying on it)
     */
    public AnalysisQueue(DataSource dataSource, Duration lease, int maxAttempts) {
        this.dataSource = dataSource;
        this.lease = lease;
        this.maxAttempts = maxAttempts;
    }

    public Duration lease() {
        return lease;
    }

    /** Claims the oldest queued (or abandoned) analysis for {@code owner}, if any. */
    public Optional<Job> claim(String owner) throws SQLException {
        while (true) {
            Job job;
            try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(CLAIM)) {
                s.setString(1, owner);
                s.setDouble(2, lease.toMillis() / 1000.0);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    job = new Job(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getInt(4));
                }
            }
            if (job.attempt() <= maxAttempts) {
                return Optional.of(job);
            }
            fail(job.id(), owner, GIVEN_UP, "given up after " + maxAttempts + " attempts: the workers running it stopped "
                    + "(killed, or out of memory) before finishing");
        }
    }

    /** Extends the lease; false when it is no longer ours. */
    public boolean heartbeat(long id, String owner) throws SQLException {
        return update("UPDATE analysis SET lease_expires_at = now() + make_interval(secs => ?) "
                + "WHERE id = ? AND lease_owner = ? AND status = 'running'", lease.toMillis() / 1000.0, id, owner) == 1;
    }

    /** Records progress (and extends the lease); false when the lease is no longer ours. */
    public boolean progress(long id, String owner, String phase, int done, int total) throws SQLException {
        return update("UPDATE analysis SET phase = ?, progress_done = ?, progress_total = ?, "
                + "lease_expires_at = now() + make_interval(secs => ?) "
                + "WHERE id = ? AND lease_owner = ? AND status = 'running'",
                phase, done, total, lease.toMillis() / 1000.0, id, owner) == 1;
    }

    /** Marks the analysis done with its result, in one transaction; false (and nothing written) when not ours. */
    public boolean complete(long id, String owner, String resultJson, String reportHtml) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                int n;
                try (PreparedStatement s = c.prepareStatement("UPDATE analysis SET status = 'done', phase = 'done', "
                        + "progress_done = progress_total, finished_at = now(), lease_owner = NULL, "
                        + "lease_expires_at = NULL WHERE id = ? AND lease_owner = ? AND status = 'running'")) {
                    s.setLong(1, id);
                    s.setString(2, owner);
                    n = s.executeUpdate();
                }
                if (n == 1) {
                    try (PreparedStatement s = c.prepareStatement(
                            "INSERT INTO analysis_result (analysis_id, result_json, report_html) VALUES (?, ?, ?)")) {
                        s.setLong(1, id);
                        s.setString(2, resultJson);
                        s.setString(3, reportHtml);
                        s.executeUpdate();
                    }
                }
                c.commit();
                return n == 1;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /**
     * Marks the analysis failed with a stable code and a reason, both for users; false when not
     * ours.
     */
    public boolean fail(long id, String owner, String code, String reason) throws SQLException {
        return update("UPDATE analysis SET status = 'failed', error_code = ?, error = ?, finished_at = now(), "
                + "lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ? AND status = 'running'",
                code, reason, id, owner) == 1;
    }

    /** Hands an analysis back to the queue (a replica shutting down): another worker takes it at once. */
    public boolean release(long id, String owner) throws SQLException {
        return update("UPDATE analysis SET status = 'queued', phase = NULL, attempts = attempts - 1, lease_owner = NULL, "
                + "lease_expires_at = NULL WHERE id = ? AND lease_owner = ? AND status = 'running'", id, owner) == 1;
    }

    private int update(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            return s.executeUpdate();
        }
    }
}
