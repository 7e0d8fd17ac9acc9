package io.distillab.trainer.page;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.trainer.job.JobView;
import io.distillab.trainer.job.LossCurve;
import io.distillab.training.train.EvalMetrics;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A job's page: its state, where it runs, its parameters, its status transitions and the loss
 * curves per span type (the chart of the loss.svg endpoint, inline). A page of a job still queued
 * or running reloads itself every few seconds.
 */
public final class JobPage {
    private JobPage() {
    }

    public static String html(JobView job, List<JobView.Transition> transitions, LossCurve curve) {
        StringBuilder b = new StringBuilder(8192);
        String title = "trainer job " + job.id() + (job.name() == null ? "" : ": " + job.name());
        boolean live = job.status().equals("queued") || job.status().equals("running");
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n");
        if (live) {
            b.append("<meta http-equiv=\"refresh\" content=\"5\">\n");
        }
        b.append("<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
                + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}"
                + ".status{font-weight:bold;padding:2px 8px;border-radius:4px;background:#eee}"
                + ".succeeded{background:#c8f0c8}.failed{background:#f4c0c0}.running{background:#cde4ff}"
                + ".cancelled{background:#e0e0e0}</style></head><body>\n");
        b.append("<h1>").append(esc(title)).append("</h1>\n<p>Status <span id=\"status\" class=\"status ")
                .append(esc(job.status())).append("\">").append(esc(job.status())).append("</span> &middot; step <span id=\"step\">")
                .append(job.step()).append("</span> of ").append(job.totalSteps());
        if (job.finalLoss() != null) {
            b.append(" &middot; final loss <span id=\"final-loss\">").append(job.finalLoss()).append("</span>");
        }
        EvalMetrics held = curve.lastHeldOut();
        if (held != null) {
            b.append(String.format(java.util.Locale.ROOT, " &middot; held-out loss <span id=\"held-out-loss\">%.4f</span>"
                    + " after step %d (%d rows)", held.loss(), held.step(), held.rows()));
        }
        if (job.placement() != null) {
            b.append(" &middot; ").append(esc(job.placement()));
        }
        b.append(" &middot; attempts ").append(job.attempts()).append("</p>\n");
        if (job.error() != null) {
            b.append("<p id=\"error\" style=\"color:#a00\">").append(esc(job.error())).append("</p>\n");
        }
        b.append("<h2>Loss</h2>\n<div id=\"chart\">").append(curve.svg(title)).append("</div>\n");
        b.append("<h2>Parameters</h2>\n<table id=\"parameters\">\n");
        Iterator<Map.Entry<String, JsonNode>> fields = job.parameters().fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            b.append("<tr data-name=\"").append(esc(f.getKey())).append("\"><th>").append(esc(f.getKey()))
                    .append("</th><td>").append(esc(f.getValue().isTextual() ? f.getValue().asText()
                            : f.getValue().toString())).append("</td></tr>\n");
        }
        b.append("</table>\n<h2>History</h2>\n<table id=\"transitions\"><tr><th>at</th><th>from</th><th>to</th>"
                + "<th>by</th><th>why</th></tr>\n");
        for (JobView.Transition t : transitions) {
            b.append("<tr><td>").append(t.at()).append("</td><td>").append(esc(String.valueOf(t.from())))
                    .append("</td><td>").append(esc(t.to())).append("</td><td>").append(esc(String.valueOf(t.owner())))
                    .append("</td><td>").append(esc(String.valueOf(t.reason()))).append("</td></tr>\n");
        }
        b.append("</table>\n<p><a href=\"").append(job.links().lossSvg()).append("\">loss.svg</a> &middot; <a href=\"")
                .append(job.links().loss()).append("\">loss (JSON)</a> &middot; <a href=\"").append(job.links().report())
                .append("\">report</a>");
        if (job.status().equals("succeeded")) {
            b.append(" &middot; <a id=\"student\" href=\"").append(job.links().student()).append("\">student (zip)</a>");
        }
        return b.append("</p>\n</body></html>\n").toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
