package io.distillab.trainer.job;

import io.distillab.trainer.store.ModelStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A job's parameters resolved against a model store: the files the training reads and writes. One
 * object serves both ways of running a job: in-process through the engine, and as the
 * {@code distillab train} command line of a Kubernetes pod (whose store is mounted elsewhere, hence
 * the store is a parameter).
 *
 * @param data   the job's trajectory file
 * @param format its format (null: detected)
 * @param resume whether to continue from the newest checkpoint under {@code out}
 */
public record TrainArguments(JobParameters parameters, Path data, String format, Path student, Path teacher,
                             Path topkIdx, Path topkLogp, String tokenizer, Path out, boolean resume) {
    /** A new student's config.json, in the job's folder. */
    public static final String STUDENT_CONFIG = "student-config.json";

    /**
     * Where a job's files are: its folder {@code jobDir} (under the store's {@code jobs/}, or a staging
     * folder while it is being submitted) holds {@code data/}, {@code student-config.json} for a new
     * student, and {@code out/}; checkpoints it starts from are in the store by name.
     */
    public static TrainArguments of(ModelStore store, Path jobDir, JobParameters p, String dataFileName,
                                    String format, boolean resume) {
        Path student = p.student() != null ? store.model(p.student()) : jobDir.resolve(STUDENT_CONFIG);
        Path teacher = p.teacher() == null ? null : store.model(p.teacher());
        Path idx = p.teacherTopk() == null ? null : store.topk(p.teacherTopk()).resolve("IDX.npy");
        Path logp = p.teacherTopk() == null ? null : store.topk(p.teacherTopk()).resolve("LOGP.npy");
        String tokenizer = p.tokenizer() == null ? null
                : p.tokenizer().equals("gpt2") ? "gpt2" : store.tokenizer(p.tokenizer()).toString();
        return new TrainArguments(p, jobDir.resolve("data").resolve(dataFileName), format, student, teacher, idx,
                logp, tokenizer, jobDir.resolve("out"), resume);
    }

    /** The same job on a store mounted at another place (a pod's volume). */
    public TrainArguments on(ModelStore from, ModelStore to) {
        return new TrainArguments(parameters, move(from, to, data), format, move(from, to, student),
                move(from, to, teacher), move(from, to, topkIdx), move(from, to, topkLogp),
                tokenizer == null || tokenizer.equals("gpt2") ? tokenizer
                        : move(from, to, Path.of(tokenizer)).toString(),
                move(from, to, out), resume);
    }

    private static Path move(ModelStore from, ModelStore to, Path p) {
        return p == null ? null : to.root().resolve(from.root().relativize(p));
    }

    /** {@code distillab train ...}: the arguments after the program name, given options only. */
    public List<String> commandLine() {
        JobParameters p = parameters;
        List<String> a = new ArrayList<>(List.of("train", "--student", student.toString(), "--data", data.toString()));
        opt(a, "--format", format);
        opt(a, "--tokenizer", tokenizer);
        opt(a, "--context", p.context());
        flag(a, "--truncate", p.truncate());
        flag(a, "--curriculum", p.curriculum());
        opt(a, "--curriculum-start", p.curriculumStart());
        opt(a, "--curriculum-steps", p.curriculumSteps());
        opt(a, "--teacher", teacher);
        if (topkIdx != null) {
            a.add("--teacher-topk");
            a.add(topkIdx + "," + topkLogp);
        }
        opt(a, "--preset", p.preset());
        opt(a, "--alpha", p.alpha());
        opt(a, "--temperature", p.temperature());
        if (p.wKl() != null) {
            a.add("--w-kl");
            a.add(joined(p.wKl()));
            a.add("--w-ce");
            a.add(joined(p.wCe()));
        }
        flag(a, "--learn-span-weights", p.learnSpanWeights());
        flag(a, "--lora", p.lora());
        opt(a, "--lora-rank", p.loraRank());
        opt(a, "--lora-alpha", p.loraAlpha());
        flag(a, "--merge", p.merge());
        opt(a, "--steps", p.steps());
        opt(a, "--batch-size", p.batchSize());
        opt(a, "--grad-accum", p.gradAccum());
        opt(a, "--lr", p.lr());
        opt(a, "--warmup", p.warmup());
        opt(a, "--clip", p.clip());
        opt(a, "--weight-decay", p.weightDecay());
        opt(a, "--order", p.order());
        opt(a, "--seed", p.seed());
        opt(a, "--checkpoint-every", p.checkpointEvery());
        opt(a, "--eval-fraction", p.evalFraction());
        opt(a, "--eval-rows", p.evalRows());
        opt(a, "--eval-every", p.evalEvery());
        flag(a, "--keep-best", p.keepBest());
        opt(a, "--device", p.device());
        opt(a, "--threads", p.threads());
        a.add("--out");
        a.add(out.toString());
        if (resume) {
            a.add("--resume");
        }
        return a;
    }

    private static void opt(List<String> a, String name, Object value) {
        if (value != null) {
            a.add(name);
            a.add(value instanceof Double d ? number(d) : value.toString());
        }
    }

    private static void flag(List<String> a, String name, Boolean on) {
        if (Boolean.TRUE.equals(on)) {
            a.add(name);
        }
    }

    private static String joined(List<Double> w) {
        return String.join(",", w.stream().map(TrainArguments::number).toList());
    }

    /** Shortest exact form: 3.0E-4 as 3.0E-4, 1.0 as 1 (as a person would type it). */
    private static String number(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d).toLowerCase(Locale.ROOT);
    }
}
