package io.distillab.trainer.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.distillab.service.support.paging.PageRequest;
import io.distillab.trainer.data.MetricsServiceApi;
import io.distillab.trainer.data.TrajectoryFiles;
import io.distillab.trainer.engine.TrainingEngine;
import io.distillab.service.support.problem.ProblemException;
import io.distillab.trainer.queue.JobQueue;
import io.distillab.trainer.queue.Scheduler;
import io.distillab.trainer.store.ModelStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Submits jobs to the queue and reads them back. A job is checked completely before it is queued:
 * its fields, the checkpoints it names on the model store, its trajectories (read through once), and
 * the engine's own check (configuration, memory); only then are its files moved into place and its
 * row committed, so a refused job leaves nothing behind.
 */
@ApplicationScoped
public class JobService {
    /** Stored parameters and request parts: a misspelt option is an error, not a default. */
    static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final java.util.Set<String> STATUSES = java.util.Set.of("queued", "running", "succeeded",
            "failed", "cancelled");

    private final EntityManager em;
    private final AgroalDataSource dataSource;
    private final ModelStore store;
    private final Scheduler scheduler;
    private final Instance<TrainingEngine> engine;
    private final MetricsServiceApi metrics;

    JobService(EntityManager em, AgroalDataSource dataSource, ModelStore store, Scheduler scheduler,
               Instance<TrainingEngine> engine, @RestClient MetricsServiceApi metrics) {
        this.em = em;
        this.dataSource = dataSource;
        this.store = store;
        this.scheduler = scheduler;
        this.engine = engine;
        this.metrics = metrics;
    }

    /** An uploaded trajectory file: its name (the last path element counts) and its bytes. */
    public record Upload(String filename, InputStream body) {
    }

    /** Reads a parameters document (a multipart part, a query parameter, a gRPC field). */
    public static JobParameters parse(String json) {
        if (json == null || json.isBlank()) {
            throw ProblemException.invalid("parameters", "required: the job's parameters as JSON");
        }
        try {
            return JSON.readValue(json, JobParameters.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedJson(e);
        }
    }

    /** Carries a parse failure of a parameters document to the problem mapper. */
    public static final class UncheckedJson extends RuntimeException {
        public UncheckedJson(JsonProcessingException cause) {
            super(cause);
        }

        public JsonProcessingException json() {
            return (JsonProcessingException) getCause();
        }
    }

    /** Checks the job and queues it; {@code upload} is null for a job on a metrics-service dataset. */
    public JobView submit(JobParameters p, Upload upload) {
        if (p == null) {
            throw ProblemException.invalid("body", "required: the job's parameters");
        }
        p.validate(upload != null);
        scheduler.refusal(p.deviceOrDefault()).ifPresent(reason -> {
            throw InvalidJobException.unprocessable("device", reason);
        });
        checkStoreReferences(p);
        Path staging;
        try {
            staging = store.incoming().resolve(UUID.randomUUID().toString());
            Files.createDirectories(staging.resolve("data"));
        } catch (IOException e) {
            throw new UncheckedIOException("the model store cannot be written: " + e.getMessage(), e);
        }
        boolean moved = false;
        try {
            String fileName;
            String format;
            if (upload != null) {
                fileName = uploadName(upload.filename());
                Path file = staging.resolve("data").resolve(fileName);
                Files.copy(upload.body(), file, StandardCopyOption.REPLACE_EXISTING);
                if (Files.size(file) == 0) {
                    throw new InvalidJobException("data", "the uploaded trajectory file is empty");
                }
                format = TrajectoryFiles.check(file, p.format(), "data").format();
            } else {
                fileName = "dataset-" + p.dataset() + ".jsonl";
                fetchDataset(p, staging.resolve("data").resolve(fileName));
                format = "chat-jsonl";
            }
            if (p.studentConfig() != null) {
                Files.writeString(staging.resolve(TrainArguments.STUDENT_CONFIG), p.studentConfig().toPrettyString());
            }
            TrainArguments args = TrainArguments.of(store, staging, p, fileName, format, false);
            String device = p.deviceOrDefault();
            if (engine.isResolvable()) {
                engine.get().check(args, new TrainingEngine.Placement(device.equals("cuda") ? 0 : -1,
                        p.threads() == null ? Runtime.getRuntime().availableProcessors() : p.threads(),
                        scheduler.memoryBudget(device)));
            }
            // committed before the workers are woken, so that they find it; the files are in place first
            JobView view = QuarkusTransaction.requiringNew().call(() -> {
                TrainingJob j = new TrainingJob();
                j.name = p.name();
                j.parameters = JSON.writeValueAsString(p);
                j.dataFile = fileName;
                j.dataFormat = format;
                j.device = device;
                j.status = "queued";
                j.totalSteps = p.steps();
                j.persist();
                em.flush();
                em.createNativeQuery("INSERT INTO job_transition (job_id, from_status, to_status, reason) "
                        + "VALUES (?1, NULL, 'queued', 'submitted')").setParameter(1, j.id).executeUpdate();
                ModelStore.deleteTree(store.job(j.id)); // a leftover of an earlier database
                ModelStore.moveAtomically(staging, store.job(j.id));
                em.refresh(j);
                return JobView.of(j, JSON.valueToTree(p), null);
            });
            moved = true;
            scheduler.wake();
            return view;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!moved) {
                try {
                    ModelStore.deleteTree(staging);
                } catch (IOException ignored) {
                    // the incoming folder is scratch space
                }
            }
        }
    }

    private void checkStoreReferences(JobParameters p) {
        checkpoint("student", p.student());
        checkpoint("teacher", p.teacher());
        if (p.teacherTopk() != null) {
            Path dir = store.topk(p.teacherTopk());
            if (!Files.isRegularFile(dir.resolve("IDX.npy")) || !Files.isRegularFile(dir.resolve("LOGP.npy"))) {
                throw new InvalidJobException("teacherTopk", "no top-k set '" + p.teacherTopk() + "' on the model "
                        + "store (topk/" + p.teacherTopk() + "/IDX.npy and LOGP.npy); known: " + store.list("topk"));
            }
        }
        if (p.tokenizer() != null && !p.tokenizer().equals("gpt2")
                && !Files.isRegularFile(store.tokenizer(p.tokenizer()).resolve("tokenizer.json"))) {
            throw new InvalidJobException("tokenizer", "no tokenizer '" + p.tokenizer() + "' on the model store "
                    + "(tokenizers/" + p.tokenizer() + "/tokenizer.json); use gpt2 or one of "
                    + store.list("tokenizers"));
        }
    }

    /** A checkpoint folder of the store: config.json and weights (one file or a sharded index). */
    private void checkpoint(String field, String name) {
        if (name == null) {
            return;
        }
        Path dir = store.model(name);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new InvalidJobException(field, "no checkpoint '" + name + "' on the model store (models/" + name
                    + "/config.json); known: " + store.list("models"));
        }
        if (!Files.isRegularFile(dir.resolve("model.safetensors"))
                && !Files.isRegularFile(dir.resolve("model.safetensors.index.json"))) {
            throw new InvalidJobException(field, "models/" + name + " has a config.json but no weights "
                    + "(model.safetensors or model.safetensors.index.json)"
                    + (field.equals("student") ? "; to start a new student from a config, give studentConfig" : ""));
        }
    }

    /** The dataset's trajectories from metrics-service, into {@code file}; refused when it has none. */
    private void fetchDataset(JobParameters p, Path file) throws IOException {
        try {
            metrics.dataset(p.dataset());
        } catch (WebApplicationException e) {
            if (e.getResponse().getStatus() == 404) {
                throw new InvalidJobException("dataset", "metrics-service has no dataset " + p.dataset());
            }
            throw ProblemException.unavailable("dataset", "metrics-service answered " + e.getResponse().getStatus()
                    + " for dataset " + p.dataset());
        } catch (ProcessingException e) {
            throw ProblemException.unavailable("dataset", "metrics-service cannot be reached: " + e.getMessage());
        }
        try (InputStream in = metrics.trajectories(p.dataset(), p.datasetModel())) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (ProcessingException e) {
            throw ProblemException.unavailable("dataset", "reading dataset " + p.dataset() + " from metrics-service "
                    + "failed: " + e.getMessage());
        }
        if (Files.size(file) == 0) {
            throw new InvalidJobException(p.datasetModel() != null ? "datasetModel" : "dataset",
                    p.datasetModel() != null ? "dataset " + p.dataset() + " has no trajectories of model '"
                            + p.datasetModel() + "'" : "dataset " + p.dataset() + " has no trajectories");
        }
        TrajectoryFiles.check(file, "chat-jsonl", "dataset");
    }

    private static String uploadName(String filename) {
        if (filename == null || filename.isBlank()) {
            return "upload.json";
        }
        String n = filename.replace('\\', '/');
        n = n.substring(n.lastIndexOf('/') + 1);
        if (!ModelStore.validName(n)) {
            throw new InvalidJobException("filename", "'" + filename + "' is not a usable file name "
                    + "(letters, digits, '.', '_', '-')");
        }
        return n;
    }

    @Transactional
    public JobView get(long id) {
        TrainingJob j = find(id);
        return JobView.of(j, read(j.parameters), latest(id));
    }

    @Transactional
    public JobView.Page list(String status, int page, int size) {
        if (status != null && !STATUSES.contains(status)) {
            throw ProblemException.invalid("status", "must be one of queued, running, succeeded, failed, cancelled");
        }
        PageRequest request = new PageRequest(page, size); // a page or size out of range: 400 naming it
        var query = status == null ? TrainingJob.<TrainingJob>find("order by id desc")
                : TrainingJob.<TrainingJob>find("status = ?1 order by id desc", status);
        long total = query.count();
        List<JobView> items = new ArrayList<>();
        for (TrainingJob j : query.page(request.page(), request.size()).list()) {
            items.add(JobView.of(j, read(j.parameters), null));
        }
        return new JobView.Page(items, request.page(), request.size(), total);
    }

    /** Cancels a job: a queued one at once, a running one at its next step. */
    public JobView cancel(long id) {
        try {
            Optional<String> status = scheduler.queue().cancel(id);
            if (status.isEmpty()) {
                throw ProblemException.notFound("job", id);
            }
            if (!status.get().equals("queued") && !status.get().equals("running") && !status.get().equals("cancelled")) {
                throw ProblemException.conflict("job " + id + " has " + status.get() + " already");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return get(id);
    }

    /** Deletes a job that is not running, with everything it wrote to the model store. */
    public void delete(long id) {
        String status = QuarkusTransaction.requiringNew().call(() -> {
            TrainingJob j = find(id);
            if (j.status.equals("running")) {
                return j.status;
            }
            j.delete();
            return null;
        });
        if (status != null) {
            throw ProblemException.conflict("job " + id + " is running; cancel it first");
        }
        try {
            ModelStore.deleteTree(store.job(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The metrics lines of the steps after {@code afterStep}, in order. */
    public List<String> steps(long id, long afterStep) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT metrics FROM job_step WHERE job_id = ? AND step > ? ORDER BY step")) {
            s.setLong(1, id);
            s.setLong(2, afterStep);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The job's status and step, read on a pooled connection (event streams poll this). */
    public Optional<String[]> status(long id) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT status, step, error FROM job WHERE id = ?")) {
            s.setLong(1, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)})
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional
    public List<JobView.Transition> transitions(long id) {
        find(id);
        List<?> rows = em.createNativeQuery("SELECT from_status, to_status, owner, reason, at FROM job_transition "
                + "WHERE job_id = ?1 ORDER BY id").setParameter(1, id).getResultList();
        List<JobView.Transition> out = new ArrayList<>();
        for (Object row : rows) {
            Object[] r = (Object[]) row;
            out.add(new JobView.Transition((String) r[0], (String) r[1], (String) r[2], (String) r[3], time(r[4])));
        }
        return out;
    }

    /** Every run of the job, oldest first: who ran it, from which checkpoint, how it ended. */
    @Transactional
    public List<JobView.Attempt> attempts(long id) {
        find(id);
        List<?> rows = em.createNativeQuery("SELECT attempt, owner, from_step, claimed_at, ended_at, last_step, outcome "
                + "FROM job_attempt WHERE job_id = ?1 ORDER BY id").setParameter(1, id).getResultList();
        List<JobView.Attempt> out = new ArrayList<>();
        for (Object row : rows) {
            Object[] r = (Object[]) row;
            out.add(new JobView.Attempt(((Number) r[0]).intValue(), (String) r[1], ((Number) r[2]).longValue(),
                    time(r[3]), time(r[4]), r[5] == null ? null : ((Number) r[5]).longValue(), (String) r[6]));
        }
        return out;
    }

    /** A timestamptz column as the native query returns it (the JDBC driver's type varies). */
    private static java.time.OffsetDateTime time(Object v) {
        return v instanceof java.time.OffsetDateTime t ? t
                : v instanceof java.time.Instant i ? i.atOffset(java.time.ZoneOffset.UTC)
                : v == null ? null : java.time.OffsetDateTime.parse(v.toString());
    }

    public LossCurve lossCurve(long id) {
        get(id);
        return new LossCurve(steps(id, 0), evaluations(id));
    }

    /**
     * The lines of the job's eval.jsonl, written by the engine into the job's out folder on the
     * model store (every replica and training pod mounts it); empty when the job holds no rows out
     * or has not evaluated yet.
     */
    public List<String> evaluations(long id) {
        Path file = store.jobOut(id).resolve("eval.jsonl");
        try {
            return Files.isRegularFile(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList()
                    : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The final student's folder, or with {@code which} = best the weights of the lowest held-out
     * loss (a job with keepBest); 409 until the job has succeeded.
     */
    public Path student(long id, String which) {
        boolean best = "best".equals(which);
        if (which != null && !best && !which.equals("final")) {
            throw ProblemException.invalid("which", "must be final or best, not '" + which + "'");
        }
        JobView j = get(id);
        if (!j.status().equals("succeeded")) {
            throw ProblemException.conflict("job " + id + " is " + j.status() + "; its student exists once it has succeeded");
        }
        Path dir = best ? store.jobOut(id).resolve(io.distillab.training.train.Trainer.BEST) : store.finalStudent(id);
        if (best && !Files.isDirectory(dir) && !j.parameters().path("keepBest").asBoolean(false)) {
            throw ProblemException.conflict("job " + id + " kept no best student: submit it with keepBest and evalFraction");
        }
        if (!Files.isDirectory(dir)) {
            throw ProblemException.conflict("job " + id + " succeeded but its student is gone from the model store");
        }
        return dir;
    }

    private JsonNode latest(long id) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT metrics FROM job_step WHERE job_id = ? ORDER BY step DESC LIMIT 1")) {
            s.setLong(1, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? read(rs.getString(1)) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private TrainingJob find(long id) {
        TrainingJob j = TrainingJob.findById(id);
        if (j == null) {
            throw ProblemException.notFound("job", id);
        }
        return j;
    }

    static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
