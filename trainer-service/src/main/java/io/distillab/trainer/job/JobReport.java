package io.distillab.trainer.job;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.training.train.EvalMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training report of a job: what was asked (parameters), what happened (status transitions,
 * attempts, timings), and what came of it (steps, tokens, first / lowest / final loss, the files of
 * the final student).
 */
final class JobReport {
    private JobReport() {
    }

    static ObjectNode of(JobView job, List<JobView.Transition> transitions, List<JobView.Attempt> attempts,
                         List<String> steps, List<String> evaluations, Path student) {
        ObjectNode r = JobService.JSON.createObjectNode();
        r.set("job", JobService.JSON.valueToTree(job));
        r.set("transitions", JobService.JSON.valueToTree(transitions));
        r.set("attempts", JobService.JSON.valueToTree(attempts));
        ObjectNode s = r.putObject("summary");
        s.put("steps", steps.size());
        long tokens = 0;
        double min = Double.NaN;
        double first = Double.NaN;
        double last = Double.NaN;
        for (String line : steps) {
            StepRecord step = StepRecord.parse(line);
            tokens += step.tokens();
            if (Double.isNaN(first)) {
                first = step.loss();
            }
            last = step.loss();
            min = Double.isNaN(min) ? step.loss() : Math.min(min, step.loss());
        }
        s.put("tokens", tokens);
        putNumber(s, "firstLoss", first);
        putNumber(s, "minLoss", min);
        putNumber(s, "lastLoss", last);
        List<EvalMetrics> held = evaluations.stream().map(EvalMetrics::parse).filter(java.util.Objects::nonNull).toList();
        if (held.isEmpty()) {
            s.putNull("heldOut");
        } else {
            ObjectNode h = s.putObject("heldOut");
            h.put("rows", held.get(0).rows());
            h.put("tokens", held.get(0).tokens());
            h.put("evaluations", held.size());
            putNumber(h, "firstLoss", held.get(0).loss());
            putNumber(h, "minLoss", held.stream().mapToDouble(EvalMetrics::loss).min().orElse(Double.NaN));
            putNumber(h, "lastLoss", held.get(held.size() - 1).loss());
            h.put("lastStep", held.get(held.size() - 1).step());
        }
        if (job.startedAt() != null && job.finishedAt() != null) {
            s.put("seconds", Duration.between(job.startedAt(), job.finishedAt()).toMillis() / 1000.0);
        } else {
            s.putNull("seconds");
        }
        if (student != null && Files.isDirectory(student)) {
            ArrayNode files = r.putObject("student").putArray("files");
            try (Stream<Path> walk = Files.walk(student)) {
                for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                    files.addObject().put("name", student.relativize(f).toString().replace('\\', '/'))
                            .put("bytes", Files.size(f));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else {
            r.putNull("student");
        }
        return r;
    }

    private static void putNumber(ObjectNode o, String name, double v) {
        if (Double.isFinite(v)) {
            o.put(name, v);
        } else {
            o.putNull(name);
        }
    }
}
