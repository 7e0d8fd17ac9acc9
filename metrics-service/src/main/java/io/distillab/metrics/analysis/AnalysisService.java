package io.distillab.metrics.analysis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.distillab.service.support.problem.ProblemException;
import io.distillab.metrics.queue.WorkerPool;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import io.distillab.service.support.paging.Page;
import io.distillab.service.support.paging.PageRequest;
import java.util.ArrayList;
import java.util.List;

/** Submits analyses to the queue and reads them back. */
@ApplicationScoped
public class AnalysisService {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EntityManager em;
    private final AgroalDataSource dataSource;
    private final WorkerPool workers;

    AnalysisService(EntityManager em, AgroalDataSource dataSource, WorkerPool workers) {
        this.em = em;
        this.dataSource = dataSource;
        this.workers = workers;
    }

    /** Checks the parameters against the dataset and queues the analysis. */
    public AnalysisView submit(AnalysisParameters request) {
        if (request == null) {
            throw ProblemException.invalid("body", "required: {\"dataset\": id, ...}");
        }
        AnalysisParameters p = request.withDefaults();
        // committed before the workers are woken, so that they find it
        AnalysisView view = QuarkusTransaction.requiringNew().call(() -> insert(p));
        workers.wake();
        return view;
    }

    private AnalysisView insert(AnalysisParameters p) {
        if (io.distillab.metrics.dataset.Dataset.findById(p.dataset()) == null) {
            throw ProblemException.invalid("dataset", "no dataset " + p.dataset());
        }
        p.checkModels(modelNames(p.dataset(), Boolean.TRUE.equals(p.splitTrials())));
        Analysis a = new Analysis();
        a.datasetId = p.dataset();
        a.parameters = write(p);
        a.status = "queued";
        a.persist();
        em.flush();
        em.refresh(a);
        return AnalysisView.of(a, read(a.parameters));
    }

    @Transactional
    public AnalysisView get(long id) {
        Analysis a = find(id);
        return AnalysisView.of(a, read(a.parameters));
    }

    @Transactional
    public Page<AnalysisView> list(Long datasetId, String status, PageRequest page) {
        StringBuilder q = new StringBuilder("1 = 1");
        java.util.Map<String, Object> args = new java.util.HashMap<>();
        if (datasetId != null) {
            q.append(" and datasetId = :dataset");
            args.put("dataset", datasetId);
        }
        if (status != null) {
            q.append(" and status = :status");
            args.put("status", status);
        }
        var query = Analysis.<Analysis>find(q + " order by id", args);
        List<AnalysisView> out = new ArrayList<>();
        for (Analysis a : query.page(page.page(), page.size()).list()) {
            out.add(AnalysisView.of(a, read(a.parameters)));
        }
        return Page.of(out, page, query.count());
    }

    /** Deletes an analysis; a worker running it loses its lease and stops. */
    @Transactional
    public void delete(long id) {
        if (!Analysis.deleteById(id)) {
            throw ProblemException.notFound("analysis", id);
        }
    }

    /**
     * The stored result JSON or HTML page, read with one indexed query on a pooled connection (this is
     * the endpoint dashboards poll); 409 while the analysis is not done.
     */
    public String stored(long id, boolean html) {
        String column = html ? "r.report_html" : "r.result_json";
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT a.status, a.error, " + column + ", a.error_code" + " FROM analysis a "
                        + "LEFT JOIN analysis_result r ON r.analysis_id = a.id WHERE a.id = ?")) {
            s.setLong(1, id);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw ProblemException.notFound("analysis", id);
                }
                String status = rs.getString(1);
                if ("failed".equals(status)) {
                    throw ProblemException.conflict("analysis-failed", "Analysis failed",
                            "analysis " + id + " failed (" + rs.getString(4) + "): " + rs.getString(2));
                }
                if (!"done".equals(status)) {
                    throw ProblemException.conflict("analysis " + id + " is " + status + "; its result is not ready");
                }
                return rs.getString(3);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The dataset's model names, split into model/trial-K runs when asked. */
    private List<String> modelNames(long datasetId, boolean splitTrials) {
        String sql = splitTrials
                ? "SELECT DISTINCT m.name || '/trial-' || t.trial FROM trajectory t JOIN model m ON m.id = t.model_id "
                        + "WHERE t.dataset_id = ?1 ORDER BY 1"
                : "SELECT DISTINCT m.name FROM trajectory t JOIN model m ON m.id = t.model_id WHERE t.dataset_id = ?1 "
                        + "ORDER BY 1";
        List<?> rows = em.createNativeQuery(sql).setParameter(1, datasetId).getResultList();
        return rows.stream().map(String::valueOf).toList();
    }

    private Analysis find(long id) {
        Analysis a = Analysis.findById(id);
        if (a == null) {
            throw ProblemException.notFound("analysis", id);
        }
        return a;
    }

    private static String write(AnalysisParameters p) {
        try {
            return JSON.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
