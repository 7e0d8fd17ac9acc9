package io.distillab.metrics.dataset;

import io.distillab.metrics.dataset.DatasetViews.DatasetView;
import io.distillab.metrics.dataset.DatasetViews.ModelView;
import io.distillab.metrics.dataset.DatasetViews.TaskView;
import io.distillab.metrics.dataset.DatasetViews.UploadView;
import io.distillab.service.support.problem.ProblemException;
import io.distillab.service.support.paging.Page;
import io.distillab.service.support.paging.PageRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Datasets, their models, tasks and uploads. */
@ApplicationScoped
public class DatasetService {
    private static final String COUNTS = """
            SELECT d.id, d.name, d.description, d.created_at,
                   (SELECT count(*) FROM upload u WHERE u.dataset_id = d.id),
                   (SELECT count(*) FROM trajectory t WHERE t.dataset_id = d.id),
                   (SELECT count(*) FROM model m WHERE m.dataset_id = d.id),
                   (SELECT count(*) FROM task k WHERE k.dataset_id = d.id)
            FROM dataset d""";

    private final EntityManager em;

    DatasetService(EntityManager em) {
        this.em = em;
    }

    @Transactional
    public DatasetView create(DatasetViews.NewDataset request) {
        if (request == null || request.name() == null || request.name().isBlank()) {
            throw ProblemException.invalid("name", "must be a non-blank name");
        }
        String name = request.name().trim();
        if (name.length() > 200) {
            throw ProblemException.invalid("name", "must be at most 200 characters");
        }
        if (Dataset.findByName(name).isPresent()) {
            throw ProblemException.conflict("a dataset named '" + name + "' exists already");
        }
        Dataset d = new Dataset();
        d.name = name;
        d.description = request.description();
        d.persist();
        em.flush();
        return get(d.id);
    }

    /** A page of the datasets in creation order; with a name, the one of that name (names are unique). */
    @Transactional
    public Page<DatasetView> list(PageRequest page, String name) {
        String where = name == null ? "" : " WHERE d.name = ?1";
        var rows = em.createNativeQuery(COUNTS + where + " ORDER BY d.id");
        var count = em.createNativeQuery("SELECT count(*) FROM dataset d" + where);
        if (name != null) {
            rows.setParameter(1, name);
            count.setParameter(1, name);
        }
        List<DatasetView> items = views(rows.setFirstResult((int) page.offset()).setMaxResults(page.size()).getResultList());
        return Page.of(items, page, ((Number) count.getSingleResult()).longValue());
    }

    @Transactional
    public DatasetView get(long id) {
        List<DatasetView> v = views(em.createNativeQuery(COUNTS + " WHERE d.id = ?1").setParameter(1, id).getResultList());
        if (v.isEmpty()) {
            throw ProblemException.notFound("dataset", id);
        }
        return v.get(0);
    }

    /** Deletes the dataset with its trajectories and analyses; a worker running one of them loses its lease. */
    @Transactional
    public void delete(long id) {
        if (!Dataset.deleteById(id)) {
            throw ProblemException.notFound("dataset", id);
        }
    }

    private static final String MODELS = """
            SELECT m.name, count(t.id), count(DISTINCT t.task_id)
            FROM model m LEFT JOIN trajectory t ON t.model_id = m.id
            WHERE m.dataset_id = ?1 GROUP BY m.name ORDER BY m.name""";
    private static final String TASKS = """
            SELECT k.name, count(t.id), count(DISTINCT t.model_id)
            FROM task k LEFT JOIN trajectory t ON t.task_id = k.id
            WHERE k.dataset_id = ?1 GROUP BY k.name ORDER BY k.name""";

    @Transactional
    public Page<ModelView> models(long datasetId, PageRequest page) {
        return Page.of(counted(datasetId, MODELS, ModelView::new, page), page, countOf("model", datasetId));
    }

    @Transactional
    public Page<TaskView> tasks(long datasetId, PageRequest page) {
        return Page.of(counted(datasetId, TASKS, TaskView::new, page), page, countOf("task", datasetId));
    }

    /** Rows of one dataset in a table with a dataset_id (model, task, upload). */
    private long countOf(String table, long datasetId) {
        return ((Number) em.createNativeQuery("SELECT count(*) FROM " + table + " WHERE dataset_id = ?1")
                .setParameter(1, datasetId).getSingleResult()).longValue();
    }

    private interface CountedRow<T> {
        T of(String name, long trajectories, long other);
    }

    /** Rows of (name, trajectories, a second count) of one dataset: all of them, or a page. */
    private <T> List<T> counted(long datasetId, String sql, CountedRow<T> row, PageRequest page) {
        requireExists(datasetId);
        List<?> rows = em.createNativeQuery(sql).setParameter(1, datasetId)
                .setFirstResult((int) page.offset()).setMaxResults(page.size()).getResultList();
        List<T> out = new ArrayList<>();
        for (Object o : rows) {
            Object[] r = (Object[]) o;
            out.add(row.of((String) r[0], ((Number) r[1]).longValue(), ((Number) r[2]).longValue()));
        }
        return out;
    }

    @Transactional
    public Page<UploadView> uploads(long datasetId, PageRequest page) {
        requireExists(datasetId);
        List<?> rows = em.createNativeQuery("""
                SELECT u.id, u.file_name, u.format, u.bytes, u.trajectories, u.skipped, u.seconds, u.created_at,
                       (SELECT string_agg(DISTINCT m.name, '|' ORDER BY m.name) FROM trajectory t
                        JOIN model m ON m.id = t.model_id WHERE t.upload_id = u.id)
                FROM upload u WHERE u.dataset_id = ?1 ORDER BY u.id""").setParameter(1, datasetId)
                .setFirstResult((int) page.offset()).setMaxResults(page.size()).getResultList();
        List<UploadView> out = new ArrayList<>();
        for (Object o : rows) {
            Object[] r = (Object[]) o;
            String models = (String) r[8];
            out.add(new UploadView(((Number) r[0]).longValue(), datasetId, (String) r[1], (String) r[2],
                    ((Number) r[3]).longValue(), ((Number) r[4]).intValue(), ((Number) r[5]).intValue(),
                    ((Number) r[6]).doubleValue(), time(r[7]),
                    models == null ? List.of() : Arrays.asList(models.split("\\|"))));
        }
        return Page.of(out, page, countOf("upload", datasetId));
    }

    public void requireExists(long datasetId) {
        if (Dataset.findById(datasetId) == null) {
            throw ProblemException.notFound("dataset", datasetId);
        }
    }

    private static List<DatasetView> views(List<?> rows) {
        List<DatasetView> out = new ArrayList<>();
        for (Object o : rows) {
            Object[] r = (Object[]) o;
            out.add(new DatasetView(((Number) r[0]).longValue(), (String) r[1], (String) r[2], time(r[3]),
                    ((Number) r[4]).longValue(), ((Number) r[5]).longValue(), ((Number) r[6]).longValue(),
                    ((Number) r[7]).longValue()));
        }
        return out;
    }

    /** Hibernate 7 hands timestamptz columns of native queries back as Instant or OffsetDateTime. */
    static OffsetDateTime time(Object o) {
        if (o instanceof OffsetDateTime t) {
            return t;
        }
        if (o instanceof java.time.Instant i) {
            return i.atOffset(java.time.ZoneOffset.UTC);
        }
        if (o instanceof java.sql.Timestamp ts) {
            return ts.toInstant().atOffset(java.time.ZoneOffset.UTC);
        }
        return o == null ? null : OffsetDateTime.parse(o.toString());
    }
}
