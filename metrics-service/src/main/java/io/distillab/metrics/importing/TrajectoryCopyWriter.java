package io.distillab.metrics.importing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.distillab.core.importer.CanonicalRecord;
import io.distillab.core.trajectory.Trajectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Buffers imported trajectories as rows of PostgreSQL's COPY text format and sends them with the
 * driver's CopyManager, a batch at a time, on the import's connection (so inside its transaction).
 * Before each batch the batch's new model and task names get their rows: a COPY cannot be
 * interleaved with other statements, and building an ORM entity per record would cost more than
 * the COPY itself. The COPY of a batch runs on a second thread while the request thread parses
 * the next one (PostgreSQL and the parser each keep a core busy); one batch is in flight at a time.
 */
final class TrajectoryCopyWriter implements AutoCloseable {
    /** Flush after this many bytes of row text: large enough to amortise a round trip, small for the heap. */
    private static final int BATCH_BYTES = 4 << 20;
    private static final String COPY = "COPY trajectory (dataset_id, upload_id, model_id, task_id, trial, reward, "
            + "call_count, raw_record, calls) FROM STDIN";
    private static final ObjectWriter RAW = new ObjectMapper().writer();

    private final Connection connection;
    private final CopyManager copy;
    private final long datasetId;
    private final long uploadId;
    private final Map<String, Long> modelIds = new HashMap<>();
    private final Map<String, Long> taskIds = new HashMap<>();
    private final List<Pending> pending = new ArrayList<>();
    private final ByteArrayOutputStream rows = new ByteArrayOutputStream(BATCH_BYTES + (1 << 20));
    private final StringBuilder line = new StringBuilder(1 << 16);
    private final java.util.concurrent.ExecutorService copier = java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> {
                Thread t = new Thread(r, "import-copy");
                t.setDaemon(true);
                return t;
            });
    private java.util.concurrent.Future<?> inFlight;

    /** A row whose model and task ids are not known yet: its text starts after the two id columns. */
    private record Pending(String model, String task, int offset, int length) {
    }

    TrajectoryCopyWriter(Connection connection, long datasetId, long uploadId) throws SQLException {
        this.connection = connection;
        this.copy = connection.unwrap(PGConnection.class).getCopyAPI();
        this.datasetId = datasetId;
        this.uploadId = uploadId;
    }

    void add(Trajectory t, JsonNode rawRecord) {
        String raw;
        try {
            raw = RAW.writeValueAsString(rawRecord);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        line.setLength(0);
        line.append(t.trial()).append('\t').append(t.reward()).append('\t').append(t.calls().size()).append('\t');
        appendEscaped(line, raw);
        line.append('\t');
        appendEscaped(line, CanonicalRecord.toJsonString(t));
        line.append('\n');
        byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
        pending.add(new Pending(t.model(), t.task(), rows.size(), bytes.length));
        rows.write(bytes, 0, bytes.length);
        if (rows.size() >= BATCH_BYTES) {
            flush();
        }
    }

    /** Hands the buffered rows to the COPY thread (after the previous batch is in). */
    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        awaitInFlight(); // the connection must be idle for the id statements
        byte[] batch;
        try {
            resolveIds();
            byte[] body = rows.toByteArray();
            ByteArrayOutputStream b = new ByteArrayOutputStream(body.length + pending.size() * 48);
            byte[] prefix = (datasetId + "\t" + uploadId + "\t").getBytes(StandardCharsets.US_ASCII);
            for (Pending p : pending) {
                b.write(prefix, 0, prefix.length);
                byte[] ids = (modelIds.get(p.model()) + "\t" + taskIds.get(p.task()) + "\t")
                        .getBytes(StandardCharsets.US_ASCII);
                b.write(ids, 0, ids.length);
                b.write(body, p.offset(), p.length());
            }
            batch = b.toByteArray();
        } catch (SQLException e) {
            throw new IllegalStateException("storing trajectories failed: " + e.getMessage(), e);
        }
        pending.clear();
        rows.reset();
        inFlight = copier.submit(() -> {
            copy.copyIn(COPY, new java.io.ByteArrayInputStream(batch), 1 << 16);
            return null;
        });
    }

    /** Waits until the batch in flight is stored; its failure is the import's. */
    void awaitInFlight() {
        if (inFlight == null) {
            return;
        }
        try {
            inFlight.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("import interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw new IllegalStateException("storing trajectories failed: " + c.getMessage(), c);
        } finally {
            inFlight = null;
        }
    }

    private void resolveIds() throws SQLException {
        Set<String> models = new LinkedHashSet<>();
        Set<String> tasks = new LinkedHashSet<>();
        for (Pending p : pending) {
            if (!modelIds.containsKey(p.model())) {
                models.add(p.model());
            }
            if (!taskIds.containsKey(p.task())) {
                tasks.add(p.task());
            }
        }
        upsertNames("model", models, modelIds);
        upsertNames("task", tasks, taskIds);
    }

    /** Inserts the names not there yet and reads back every name's id (table is "model" or "task"). */
    private void upsertNames(String table, Set<String> names, Map<String, Long> ids) throws SQLException {
        if (names.isEmpty()) {
            return;
        }
        String[] array = names.toArray(String[]::new);
        try (PreparedStatement s = connection.prepareStatement("INSERT INTO " + table + " (dataset_id, name) "
                + "SELECT ?, unnest(?::text[]) ON CONFLICT (dataset_id, name) DO NOTHING")) {
            s.setLong(1, datasetId);
            s.setArray(2, connection.createArrayOf("text", array));
            s.executeUpdate();
        }
        try (PreparedStatement s = connection.prepareStatement("SELECT name, id FROM " + table
                + " WHERE dataset_id = ? AND name = ANY(?::text[])")) {
            s.setLong(1, datasetId);
            s.setArray(2, connection.createArrayOf("text", array));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ids.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
    }

    /** COPY text format: backslash, and the tab, newline and carriage return that delimit, escaped. */
    static void appendEscaped(StringBuilder sb, String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
    }

    /** Stops the COPY thread; a batch still in flight (an import failing) is waited for, not leaked. */
    @Override
    public void close() {
        try {
            awaitInFlight();
        } catch (RuntimeException ignored) {
            // the import is failing already; its transaction rolls back
        } finally {
            copier.shutdownNow();
            pending.clear();
            rows.reset();
        }
    }
}
