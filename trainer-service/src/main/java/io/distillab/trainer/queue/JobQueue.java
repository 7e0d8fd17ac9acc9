package io.distillab.trainer.queue;

import io.distillab.trainer.job.StepRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The job queue in PostgreSQL, shared by every replica. A worker claims the oldest job its slot
 * can run with {@code FOR UPDATE SKIP LOCKED} (concurrent claimers never block on, or take, the
 * same row) and holds it under a lease its heartbeats renew; a job whose lease expired (its replica
 * died) is claimable again and resumes from its last checkpoint. Every write after the claim is
 * fenced on {@code lease_owner}: a worker that lost its lease records no step and cannot finish the
 * job, so a job runs to its end once. Every status change is recorded in {@code job_transition}
 * in the transaction that makes it, and every run of a job (a claim, until the run ends or its
 * lease is found expired) in {@code job_attempt}: who ran it, from which checkpoint, how it ended.
 */
public final class JobQueue {
    private static final String CLAIM = """
            UPDATE job j
               SET status = 'running', lease_owner = ?, lease_expires_at = now() + make_interval(secs => ?),
                   attempts = j.attempts + 1, started_at = coalesce(j.started_at, now()), error = NULL
              FROM (SELECT id, status FROM job
                     WHERE (status = 'queued' OR (status = 'running' AND lease_expires_at < now()))
                       AND device = ANY (?)
                     ORDER BY created_at, id
                     LIMIT 1
                     FOR UPDATE SKIP LOCKED) claimable
             WHERE j.id = claimable.id
            RETURNING j.id, j.parameters, j.data_file, j.data_format, j.device, j.total_steps, j.attempts,
                      coalesce(j.checkpoint_step, 0), claimable.status, j.cancel_requested, j.step""";

    /** What a heartbeat found. */
    public enum Lease { HELD, CANCEL_REQUESTED, LOST }

    private final DataSource dataSource;
    private final Duration lease;
    private final int maxAttempts;

    /**
     * @param lease       how long a claim holds without a heartbeat
     * @param maxAttempts claims after which a job is failed (the workers running it keep dying)
     */
    public JobQueue(DataSource dataSource, Duration lease, int maxAttempts) {
        this.dataSource = dataSource;
        this.lease = lease;
        this.maxAttempts = maxAttempts;
    }

    public Duration lease() {
        return lease;
    }

    /** Claims the oldest queued (or abandoned) job on one of {@code devices} for {@code owner}, if any. */
    public Optional<ClaimedJob> claim(String owner, Set<String> devices) throws SQLException {
        while (true) {
            ClaimedJob job;
            boolean cancelRequested;
            long step;
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    String was;
                    try (PreparedStatement s = c.prepareStatement(CLAIM)) {
                        s.setString(1, owner);
                        s.setDouble(2, seconds(lease));
                        s.setArray(3, c.createArrayOf("text", devices.toArray()));
                        try (ResultSet rs = s.executeQuery()) {
                            if (!rs.next()) {
                                c.commit();
                                return Optional.empty();
                            }
                            job = new ClaimedJob(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                    rs.getString(5), rs.getLong(6), rs.getInt(7), rs.getLong(8));
                            was = rs.getString(9);
                            cancelRequested = rs.getBoolean(10);
                            step = rs.getLong(11);
                        }
                    }
                    boolean takeover = was.equals("running");
                    if (takeover) {
                        endAttempt(c, job.id(), null, "lease expired", step);
                    }
                    startAttempt(c, job, owner);
                    transition(c, job.id(), was, "running", owner, takeover
                            ? "taken over: the previous worker's lease expired (attempt " + job.attempt() + ")"
                            : "claimed (attempt " + job.attempt() + ")");
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                } finally {
                    // a pooled connection goes back as it came: a later write on it must commit by itself
                    c.setAutoCommit(true);
                }
            }
            if (cancelRequested) {
                finish(job.id(), owner, "cancelled", null, null, "cancelled while its worker was gone");
            } else if (job.attempt() > maxAttempts) {
                finish(job.id(), owner, "failed", null, "given up after " + maxAttempts + " attempts: the workers "
                        + "running it stopped (killed, or out of memory) before finishing", "given up");
            } else {
                return Optional.of(job);
            }
        }
    }

    /** Renews the lease; says whether it is still ours and whether a cancel was asked for. */
    public Lease heartbeat(long id, String owner) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "UPDATE job SET lease_expires_at = now() + make_interval(secs => ?) "
                        + "WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING cancel_requested")) {
            s.setDouble(1, seconds(lease));
            s.setLong(2, id);
            s.setString(3, owner);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Lease.LOST;
                }
                return rs.getBoolean(1) ? Lease.CANCEL_REQUESTED : Lease.HELD;
            }
        }
    }

    /** Records a step's metrics (and renews the lease); false, with nothing written, when not ours. */
    public boolean step(long id, String owner, StepRecord step) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("""
                WITH owned AS (
                    UPDATE job SET step = ?, lease_expires_at = now() + make_interval(secs => ?)
                     WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING id)
                INSERT INTO job_step (job_id, step, loss, tokens, tokens_per_s, metrics)
                SELECT id, ?, ?, ?, ?, ? FROM owned
                ON CONFLICT (job_id, step) DO UPDATE
                   SET loss = EXCLUDED.loss, tokens = EXCLUDED.tokens, tokens_per_s = EXCLUDED.tokens_per_s,
                       metrics = EXCLUDED.metrics, at = now()""")) {
            s.setLong(1, step.step());
            s.setDouble(2, seconds(lease));
            s.setLong(3, id);
            s.setString(4, owner);
            s.setLong(5, step.step());
            s.setDouble(6, step.loss());
            s.setLong(7, step.tokens());
            s.setDouble(8, step.tokensPerS());
            s.setString(9, step.json());
            return s.executeUpdate() == 1;
        }
    }

    /** Records that a complete checkpoint of {@code step} exists; false when not ours. */
    public boolean checkpoint(long id, String owner, long step) throws SQLException {
        return update("UPDATE job SET checkpoint_step = ? WHERE id = ? AND lease_owner = ? AND status = 'running'",
                step, id, owner) == 1;
    }

    /** Records where the job runs ("local gpu 0", "kubernetes job distillab-train-7"); false when not ours. */
    public boolean placement(long id, String owner, String placement) throws SQLException {
        return update("UPDATE job SET placement = ? WHERE id = ? AND lease_owner = ? AND status = 'running'",
                placement, id, owner) == 1;
    }

    /**
     * Ends a running job as {@code succeeded}, {@code failed} or {@code cancelled}; false (and
     * nothing written) when it is not ours.
     */
    public boolean finish(long id, String owner, String status, Double finalLoss, String error, String reason)
            throws SQLException {
        return inTransaction(c -> {
            int n;
            try (PreparedStatement s = c.prepareStatement("UPDATE job SET status = ?, final_loss = ?, error = ?, "
                    + "finished_at = now(), lease_owner = NULL, lease_expires_at = NULL "
                    + "WHERE id = ? AND lease_owner = ? AND status = 'running'")) {
                s.setString(1, status);
                s.setObject(2, finalLoss);
                s.setString(3, error);
                s.setLong(4, id);
                s.setString(5, owner);
                n = s.executeUpdate();
            }
            if (n == 1) {
                transition(c, id, "running", status, owner, reason);
                endAttempt(c, id, owner, status, null);
            }
            return n == 1;
        });
    }

    /** Hands a job back to the queue (a replica shutting down): another worker resumes it at once. */
    public boolean release(long id, String owner) throws SQLException {
        return inTransaction(c -> {
            int n;
            try (PreparedStatement s = c.prepareStatement("UPDATE job SET status = 'queued', attempts = attempts - 1, "
                    + "lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ? AND status = 'running'")) {
                s.setLong(1, id);
                s.setString(2, owner);
                n = s.executeUpdate();
            }
            if (n == 1) {
                transition(c, id, "running", "queued", owner, "handed back: its replica is stopping");
                endAttempt(c, id, owner, "handed back", null);
            }
            return n == 1;
        });
    }

    /**
     * Cancels a job: a queued one at once, a running one by flagging it for its worker (which stops
     * the training at the next step and marks it cancelled). Returns the status after the call, or
     * empty when there is no such job.
     */
    public Optional<String> cancel(long id) throws SQLException {
        return inTransaction(c -> {
            String status;
            try (PreparedStatement s = c.prepareStatement("SELECT status FROM job WHERE id = ? FOR UPDATE")) {
                s.setLong(1, id);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    status = rs.getString(1);
                }
            }
            if (status.equals("queued")) {
                try (PreparedStatement s = c.prepareStatement(
                        "UPDATE job SET status = 'cancelled', finished_at = now() WHERE id = ?")) {
                    s.setLong(1, id);
                    s.executeUpdate();
                }
                transition(c, id, "queued", "cancelled", null, "cancelled before it started");
                return Optional.of("cancelled");
            }
            if (status.equals("running")) {
                try (PreparedStatement s = c.prepareStatement("UPDATE job SET cancel_requested = true WHERE id = ?")) {
                    s.setLong(1, id);
                    s.executeUpdate();
                }
            }
            return Optional.of(status);
        });
    }

    static void transition(Connection c, long id, String from, String to, String owner, String reason)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO job_transition (job_id, from_status, to_status, owner, reason) VALUES (?, ?, ?, ?, ?)")) {
            s.setLong(1, id);
            s.setString(2, from);
            s.setString(3, to);
            s.setString(4, owner);
            s.setString(5, reason);
            s.executeUpdate();
        }
    }

    /** Opens the run of a job just claimed by {@code owner}, resuming after the checkpoint the job has recorded. */
    private static void startAttempt(Connection c, ClaimedJob job, String owner) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO job_attempt (job_id, attempt, owner, from_step) VALUES (?, ?, ?, ?)")) {
            s.setLong(1, job.id());
            s.setInt(2, job.attempt());
            s.setString(3, owner);
            s.setLong(4, job.checkpointStep());
            s.executeUpdate();
        }
    }

    /**
     * Closes the open run of job {@code id} ({@code owner}'s, or whoever's when null: a takeover closes
     * the dead worker's run) with its outcome and the job's last recorded step ({@code lastStep}, or
     * read from the job when null).
     */
    private static void endAttempt(Connection c, long id, String owner, String outcome, Long lastStep)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE job_attempt SET ended_at = clock_timestamp(), outcome = ?, "
                + "last_step = coalesce(CAST(? AS BIGINT), (SELECT step FROM job WHERE id = ?)) "
                + "WHERE job_id = ? AND ended_at IS NULL AND (CAST(? AS TEXT) IS NULL OR owner = ?)")) {
            s.setString(1, outcome);
            s.setObject(2, lastStep, java.sql.Types.BIGINT);
            s.setLong(3, id);
            s.setLong(4, id);
            s.setString(5, owner);
            s.setString(6, owner);
            s.executeUpdate();
        }
    }

    private interface InTransaction<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T inTransaction(InTransaction<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private int update(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            return s.executeUpdate();
        }
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
