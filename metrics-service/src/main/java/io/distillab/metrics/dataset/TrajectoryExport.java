package io.distillab.metrics.dataset;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A dataset's trajectories as chat JSONL: the stored canonical record of each (core's
 * CanonicalRecord, which the chat-jsonl importer reads back to the same calls, outputs and errors),
 * one per line in upload order, read with a cursor so that a large dataset is never held whole.
 * trainer-service reads a job's training data this way.
 */
@ApplicationScoped
public class TrajectoryExport {
    private final AgroalDataSource dataSource;

    TrajectoryExport(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Writes the trajectories of {@code datasetId} (of model {@code model} only, when given) to {@code out}. */
    public void write(long datasetId, String model, OutputStream out) {
        String sql = "SELECT t.calls FROM trajectory t JOIN model m ON m.id = t.model_id WHERE t.dataset_id = ?"
                + (model == null ? "" : " AND m.name = ?") + " ORDER BY t.id";
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false); // PostgreSQL streams with a fetch size only inside a transaction
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setFetchSize(256);
                s.setLong(1, datasetId);
                if (model != null) {
                    s.setString(2, model);
                }
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.write(rs.getString(1).getBytes(StandardCharsets.UTF_8));
                        out.write('\n');
                    }
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
