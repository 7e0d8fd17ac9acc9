package io.distillab.service.support.problem;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.persistence.PersistenceException;
import java.net.ConnectException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The SQLSTATEs are PostgreSQL's (Appendix A, "PostgreSQL Error Codes"). */
class DatabaseUnavailableTest {

    @Test
    void connectionFailuresAndShutdownsAreUnavailability() {
        assertTrue(DatabaseUnavailable.isCause(new SQLException("Connection to localhost:5432 refused", "08001")));
        assertTrue(DatabaseUnavailable.isCause(new SQLException("An I/O error occurred while sending", "08006")));
        assertTrue(DatabaseUnavailable.isCause(new SQLException("terminating connection due to administrator command", "57P01")));
        assertTrue(DatabaseUnavailable.isCause(new SQLException("the database system is starting up", "57P03")));
        assertTrue(DatabaseUnavailable.isCause(new SQLException("Acquisition timeout while waiting for new connection")));
        assertTrue(DatabaseUnavailable.isCause(new IllegalStateException(new ConnectException("Connection refused"))));
    }

    @Test
    void foundAnywhereInTheCauseChain() {
        assertTrue(DatabaseUnavailable.isCause(new PersistenceException("could not prepare statement",
                new SQLException("An I/O error occurred while sending", "08006"))));
    }

    @Test
    void foundInASuppressedException() {
        // Narayana's failed commit: the driver's error hangs under a suppressed XAException
        var xa = new javax.transaction.xa.XAException("Error trying to transactionCommit local transaction");
        xa.initCause(new SQLException("An I/O error occurred while sending to the backend.", "08006"));
        var rollback = new IllegalStateException("ARJUNA016053: Could not commit transaction.");
        rollback.addSuppressed(xa);
        assertTrue(DatabaseUnavailable.isCause(new RuntimeException(rollback)));
        var other = new IllegalStateException("commit failed");
        other.addSuppressed(new SQLException("duplicate key value", "23505"));
        assertFalse(DatabaseUnavailable.isCause(other));
    }

    @Test
    void aCycleOfCausesEnds() {
        var a = new RuntimeException("a");
        var b = new RuntimeException("b", a);
        a.initCause(b);
        a.addSuppressed(b);
        assertFalse(DatabaseUnavailable.isCause(a));
    }

    @Test
    void otherDatabaseErrorsAreNot() {
        assertFalse(DatabaseUnavailable.isCause(new SQLException("duplicate key value", "23505")));
        assertFalse(DatabaseUnavailable.isCause(new SQLException("relation \"x\" does not exist", "42P01")));
        assertFalse(DatabaseUnavailable.isCause(new PersistenceException("no cause")));
    }
}
