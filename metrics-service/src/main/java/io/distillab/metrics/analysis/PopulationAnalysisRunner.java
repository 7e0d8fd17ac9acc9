package io.distillab.metrics.analysis;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.distillab.core.analysis.AnalysisResult;
import io.distillab.core.analysis.DirectionalTest;
import io.distillab.core.analysis.FamilyView;
import io.distillab.core.analysis.PairwiseAnalysis;
import io.distillab.core.analysis.Population;
import io.distillab.core.importer.CanonicalRecord;
import io.distillab.core.report.AnalysisJson;
import io.distillab.core.report.HtmlReport;
import io.distillab.core.tools.ToolClasses;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.core.judge.EdgeValidator;
import io.distillab.core.judge.JudgeClient;
import io.distillab.core.judge.RpsCalculator;
import io.distillab.metrics.queue.AnalysisFailedException;
import io.distillab.metrics.queue.AnalysisRunner;
import io.distillab.metrics.queue.Job;
import io.distillab.metrics.queue.Progress;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Computes an analysis from the stored trajectories with core: each trajectory's canonical record
 * is read back into a {@link Trajectory} (identical to what the importers gave), reduced to its
 * action graph (candidate edges, or edges the judge confirmed), and the population analysed as
 * {@code distillab analyze} does. With {@code rps} the judge also scores response patterns.
 */
@ApplicationScoped
public class PopulationAnalysisRunner implements AnalysisRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Rows fetched per round trip while streaming a dataset's trajectories. */
    private static final int FETCH_SIZE = 256;

    private final AgroalDataSource dataSource;
    private final JudgeClient judge;

    PopulationAnalysisRunner(AgroalDataSource dataSource, JudgeClient judge) {
        this.dataSource = dataSource;
        this.judge = judge;
    }

    @Override
    public Outcome run(Job job, Progress progress) throws Exception {
        AnalysisParameters p = JSON.readValue(job.parameters(), AnalysisParameters.class);
        ToolClasses classes = p.classes();
        Population population = new Population();
        RpsCalculator rps = p.wantsRps() ? new RpsCalculator(judge, p.judge()) : null;
        EdgeValidator validator = p.validatedEdges()
                ? new EdgeValidator(judge, p.judge(), classes, population::add) : null;
        Set<String> chosen = p.models() == null ? null : new HashSet<>(p.models());

        load(job, p, progress, t -> {
            if (chosen != null && !chosen.contains(t.model())) {
                return;
            }
            if (validator != null) {
                validator.add(t);
            } else {
                population.add(t, classes);
            }
            if (rps != null) {
                rps.add(t);
            }
        });
        if (validator != null) {
            validator.flush();
        }
        if (population.size() == 0) {
            throw new AnalysisFailedException("no trajectories of the chosen models in dataset " + job.datasetId());
        }

        List<String> models = population.models();
        int pairs = models.size() * (models.size() + 1) / 2;
        progress.phase("pairs", pairs);
        AnalysisResult result = PairwiseAnalysis.run(population, p.options(), (done, total) -> progress.advance(done));

        DirectionalTest.Result direction = null;
        if (p.direction() != null) {
            progress.phase("directional", 1);
            List<String> d = p.direction();
            direction = DirectionalTest.run(population, p.options(), d.get(0), d.get(1), d.get(2), d.get(3));
        }
        Map<String, FamilyView.Row> families = p.families() == null ? null : FamilyView.of(result, p.families());
        // every pair gets an "rps" member, null when RPS was not asked for
        Map<String, RpsCalculator.PairRps> rpsByPair = rps == null ? Map.of()
                : rps.compute(models, p.options().bootstrap(), p.options().seed(), progress);

        String json = AnalysisJson.toJson(result, new AnalysisJson.Extras(direction, families, rpsByPair));
        String html = HtmlReport.render(result, "DistilLab analysis " + job.id() + ": tool-use similarity of "
                + models.size() + " models");
        return new Outcome(json, html);
    }

    private interface TrajectorySink {
        void accept(Trajectory t);
    }

    /** Streams the dataset's trajectories (of the chosen models, when the filter can run in SQL). */
    private void load(Job job, AnalysisParameters p, Progress progress, TrajectorySink sink) throws SQLException {
        boolean filterInSql = p.models() != null && !Boolean.TRUE.equals(p.splitTrials());
        String where = " WHERE t.dataset_id = ?" + (filterInSql ? " AND m.name = ANY(?)" : "");
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false); // the driver streams with a cursor only inside a transaction
            try {
                int total;
                try (PreparedStatement s = c.prepareStatement(
                        "SELECT count(*) FROM trajectory t JOIN model m ON m.id = t.model_id" + where)) {
                    bind(c, s, job, p, filterInSql);
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        total = rs.getInt(1);
                    }
                }
                progress.phase("loading", total);
                AtomicInteger done = new AtomicInteger();
                try (PreparedStatement s = c.prepareStatement(
                        "SELECT t.id, t.calls FROM trajectory t JOIN model m ON m.id = t.model_id" + where
                                + " ORDER BY t.id")) {
                    s.setFetchSize(FETCH_SIZE);
                    bind(c, s, job, p, filterInSql);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            Trajectory t = CanonicalRecord.parse(rs.getString(2), "trajectory " + rs.getLong(1));
                            if (Boolean.TRUE.equals(p.splitTrials())) {
                                t = t.withModel(t.model() + "/trial-" + t.trial());
                            }
                            sink.accept(t);
                            progress.advance(done.incrementAndGet());
                        }
                    }
                }
                c.commit();
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private static void bind(Connection c, PreparedStatement s, Job job, AnalysisParameters p, boolean filterInSql)
            throws SQLException {
        s.setLong(1, job.datasetId());
        if (filterInSql) {
            Array names = c.createArrayOf("text", p.models().toArray());
            s.setArray(2, names);
        }
    }
}
