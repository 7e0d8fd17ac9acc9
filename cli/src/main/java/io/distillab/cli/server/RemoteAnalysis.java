package io.distillab.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.core.importer.TrajectoryFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * {@code distillab analyze --server URL}: uploads the files to a new dataset on metrics-service,
 * submits the analysis with the command's parameters, polls it with progress on stderr, and reads
 * the result back into core's types.
 */
public final class RemoteAnalysis {
    private static final long POLL_MILLIS = 200;

    /** What {@code distillab analyze} was asked; {@code families} already read from its file. */
    public record Request(List<Path> files, TrajectoryFormat format, List<String> models, AnalysisOptions options,
                          String reference, boolean splitTrials, Path toolClasses, List<String> direction,
                          Map<String, String> families, boolean rps, String edges, String judge) {
    }

    private final MetricsServerClient client;
    private final PrintWriter log;

    /** @param log progress lines go here (stderr); null for none */
    /** @param token see {@link ServerToken}; null for the default lookup */
    public RemoteAnalysis(URI server, String token, PrintWriter log) {
        this.client = new MetricsServerClient(server, ServerToken.resolve(token, server).orElse(null));
        this.log = log;
    }

    public ResultJson.Parsed run(Request r) throws IOException, InterruptedException {
        String name = "distillab-analyze-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
        long dataset = client.createDataset(name, "uploaded by distillab analyze --server");
        Uploads.uploadAll(client, dataset, r.files(), r.format(), r.models(), log);

        ObjectNode p = MetricsServerClient.JSON.createObjectNode();
        AnalysisOptions o = r.options();
        p.put("dataset", dataset);
        p.putArray("weights").add(o.wNode()).add(o.wSeq()).add(o.wDep());
        p.put("ged", o.ged()).put("gedExactMaxNodes", o.gedExactMaxNodes()).put("bootstrap", o.bootstrap())
                .put("seed", o.seed()).put("successThreshold", o.successThreshold()).put("splitTrials", r.splitTrials());
        if (r.reference() != null) {
            p.put("reference", r.reference());
        }
        if (r.toolClasses() != null) {
            p.set("toolClasses", MetricsServerClient.JSON.readTree(Files.readString(r.toolClasses())));
        }
        if (r.direction() != null) {
            r.direction().forEach(p.withArray("direction")::add);
        }
        if (r.families() != null) {
            p.set("families", MetricsServerClient.JSON.valueToTree(r.families()));
        }
        p.put("rps", r.rps());
        p.put("edges", r.edges() == null ? "candidate" : r.edges());
        if (r.judge() != null) {
            p.put("judge", r.judge());
        }
        long id = client.submit(p);
        if (log != null) {
            log.printf("submitted analysis %d of dataset '%s' to %s%n", id, name, client.base());
            log.flush();
        }
        JsonNode view = await(id);
        if (!view.path("status").asText().equals("done")) {
            throw new ServerException(409, "analysis " + id + " failed on the server: " + view.path("error").asText());
        }
        if (log != null) {
            log.printf("analysis %d done in %.2f s; report at %sapi/v1/analyses/%d/report%n", id,
                    view.path("seconds").asDouble(), client.base(), id);
            log.flush();
        }
        return ResultJson.read(client.result(id), o);
    }

    /** Polls until done or failed, printing each phase and its progress in tenths. */
    private JsonNode await(long id) throws IOException, InterruptedException {
        String lastPhase = null;
        int lastTenth = -1;
        while (true) {
            JsonNode v = client.analysis(id);
            String status = v.path("status").asText();
            if (status.equals("done") || status.equals("failed")) {
                return v;
            }
            String phase = status.equals("queued") ? "queued" : v.path("phase").asText(status);
            int done = v.path("progress").path("done").asInt();
            int total = v.path("progress").path("total").asInt();
            int tenth = total == 0 ? 0 : done * 10 / total;
            if (log != null && (!phase.equals(lastPhase) || tenth > lastTenth)) {
                log.printf("  %s %d/%d%n", phase, done, total);
                log.flush();
            }
            lastPhase = phase;
            lastTenth = tenth;
            Thread.sleep(POLL_MILLIS);
        }
    }
}
