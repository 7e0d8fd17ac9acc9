package io.distillab.service.support.problem;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * Tells "PostgreSQL cannot be reached" (stopped, restarting, network gone: a client may retry) from
 * other database errors, anywhere in an exception's causes and suppressed exceptions.
 */
public final class DatabaseUnavailable {
    private DatabaseUnavailable() {
    }

    /**
     * SQLSTATE class 08 (connection exception: refused, broken, I/O error), 57P01-57P03 (the server
     * is shutting down, crashed, or not yet accepting connections), the pool's acquisition timeout
     * (Agroal: "Acquisition timeout while waiting for new connection", no SQLSTATE), or a refused
     * TCP connection.
     */
    public static boolean isCause(Throwable e) {
        return isCause(e, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
    }

    /**
     * Causes and suppressed exceptions both: a commit that fails on a dead connection is a
     * {@code RollbackException} whose driver error is a suppressed XAException's cause (Narayana,
     * seen in the outage drill).
     */
    private static boolean isCause(Throwable e, java.util.Set<Throwable> seen) {
        for (Throwable c = e; c != null && seen.add(c); c = c.getCause()) {
            if (c instanceof SQLTransientConnectionException || c instanceof ConnectException) {
                return true;
            }
            if (c instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && (state.startsWith("08") || state.startsWith("57P0"))) {
                    return true;
                }
                String message = sql.getMessage();
                if (message != null && message.startsWith("Acquisition timeout")) {
                    return true;
                }
            }
            for (Throwable s : c.getSuppressed()) {
                if (isCause(s, seen)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether {@code e} came from the database at all (an SQLException in its cause chain): an
     * authentication that failed so says nothing about the caller's credentials.
     */
    public static boolean fromDatabase(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException) {
                return true;
            }
        }
        return false;
    }

    /** The chain's types and SQLSTATEs, for the log. */
    static String summary(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (!sb.isEmpty()) {
                sb.append(" <- ");
            }
            sb.append(c.getClass().getSimpleName());
            if (c instanceof SQLException sql && sql.getSQLState() != null) {
                sb.append('[').append(sql.getSQLState()).append(']');
            }
        }
        return sb.toString();
    }
}
