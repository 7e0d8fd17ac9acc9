package io.distillab.metrics.importing;

import io.agroal.api.AgroalDataSource;
import io.distillab.core.importer.ImportReport;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.metrics.dataset.DatasetViews.UploadView;
import io.distillab.service.support.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * Stores an uploaded trajectory file: the importer streams records out of the body, and
 * {@link TrajectoryCopyWriter} COPYs them into PostgreSQL in batches, all inside one JDBC
 * transaction. A bad record raises core's ImportException, the transaction rolls back, and nothing
 * of the file is stored.
 */
@ApplicationScoped
public class TrajectoryImportService {
    private final AgroalDataSource dataSource;
    private final ImportMetrics metrics;

    TrajectoryImportService(AgroalDataSource dataSource, ImportMetrics metrics) {
        this.dataSource = dataSource;
        this.metrics = metrics;
    }

    /**
     * @param fileName the upload's file name: names the source in messages and gives the default model name
     * @param model    the model of every trajectory, or null for the file's own (SPEC section 1)
     */
    public UploadView importFile(long datasetId, InputStream body, String fileName, TrajectoryFormat format,
                                 String model) throws SQLException {
        long t0 = System.nanoTime();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lockDataset(c, datasetId);
                long uploadId = insertUpload(c, datasetId, fileName, format);
                ImportReport report;
                try (TrajectoryCopyWriter writer = new TrajectoryCopyWriter(c, datasetId, uploadId)) {
                    report = TrajectoryImporter.importRecords(body, fileName, format, model, writer::add);
                    writer.flush();
                    writer.awaitInFlight();
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                OffsetDateTime created = finishUpload(c, uploadId, report, seconds);
                c.commit();
                metrics.imported(report.bytes(), seconds);
                return new UploadView(uploadId, datasetId, fileName, format.cliName(), report.bytes(),
                        report.trajectories(), report.skipped().size(), seconds, created,
                        List.copyOf(new java.util.TreeSet<>(report.models())));
            } catch (RuntimeException | SQLException | Error e) {
                c.rollback();
                metrics.rejected();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** FOR SHARE: the dataset cannot be deleted under a running import. */
    private static void lockDataset(Connection c, long datasetId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM dataset WHERE id = ? FOR SHARE")) {
            s.setLong(1, datasetId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw ProblemException.notFound("dataset", datasetId);
                }
            }
        }
    }

    private static long insertUpload(Connection c, long datasetId, String fileName, TrajectoryFormat format)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO upload (dataset_id, file_name, format, bytes, "
                + "trajectories, seconds) VALUES (?, ?, ?, 0, 0, 0) RETURNING id")) {
            s.setLong(1, datasetId);
            s.setString(2, fileName);
            s.setString(3, format.cliName());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static OffsetDateTime finishUpload(Connection c, long uploadId, ImportReport report, double seconds)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE upload SET bytes = ?, trajectories = ?, skipped = ?, "
                + "seconds = ? WHERE id = ? RETURNING created_at")) {
            s.setLong(1, report.bytes());
            s.setInt(2, report.trajectories());
            s.setInt(3, report.skipped().size());
            s.setDouble(4, seconds);
            s.setLong(5, uploadId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getObject(1, OffsetDateTime.class);
            }
        }
    }
}
