package io.distillab.cli.loss;

import io.distillab.cli.ExitCodes;
import io.distillab.training.cuda.CudaUnavailableException;
import io.distillab.training.loss.Device;
import io.distillab.training.loss.InvalidLossInputException;
import io.distillab.training.loss.LossConfig;
import io.distillab.training.loss.LossEngines;
import io.distillab.training.loss.LossInputs;
import io.distillab.training.loss.LossResult;
import io.distillab.training.loss.Preset;
import io.distillab.training.loss.SpanMaskedLoss;
import io.distillab.training.loss.SpanType;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyReader;
import io.distillab.training.npy.NpyWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillab loss}: the span-masked distillation loss of SPEC.md section 6 on arrays in
 * {@code .npy} files. Prints one JSON object; with {@code --grad-out}, writes dL/dz (the
 * student's dtype) atomically. Bad input exits with code 2 and one line on stderr.
 */
@Command(name = "loss", mixinStandardHelpOptions = true,
        description = {"Span-masked KL/CE distillation loss (SPEC.md section 6) of student logits against a "
                + "dense or top-k teacher; prints {\"loss\", \"kl\", \"ce\", \"tokens\", \"device\"} as JSON.",
                "Logits: float32 .npy, or bfloat16 stored as uint16. Labels: int32/int64 (-100 = ignore). "
                        + "Spans: int8/int32 (0 reason, 1 action, 2 observation, 3 other)."})
public final class LossCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--student", paramLabel = "S.npy", description = "Student logits (N, V).")
    Path student;

    @Option(names = "--teacher", paramLabel = "T.npy", description = "Teacher logits (N, V), same dtype as the student.")
    Path teacher;

    @Option(names = "--teacher-topk", paramLabel = "IDX.npy,LOGP.npy",
            description = "Sparse teacher: top-k indices (N, k) int32/int64 and log-probabilities (N, k) float32.")
    String teacherTopk;

    @Option(names = "--labels", paramLabel = "Y.npy", description = "Labels (N,), -100 = ignore.")
    Path labels;

    @Option(names = "--spans", paramLabel = "M.npy", description = "Span types (N,).")
    Path spans;

    @Option(names = "--preset", paramLabel = "sad|kd|sft", defaultValue = "sad",
            description = "Weight preset (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--alpha", paramLabel = "A", description = "KD's mixing weight (kd preset only; default 0.5).")
    String alpha;

    @Option(names = "--temperature", paramLabel = "T", description = "Temperature (default: the preset's).")
    String temperature;

    @Option(names = "--w-kl", paramLabel = "R,A,O,X", description = "KL weights per span type (reason, action, observation, other).")
    String klWeights;

    @Option(names = "--w-ce", paramLabel = "R,A,O,X", description = "CE weights per span type.")
    String ceWeights;

    @Option(names = "--device", paramLabel = "cpu|cuda|auto", defaultValue = "auto",
            description = "Where to compute (default: ${DEFAULT-VALUE}: the GPU if usable, else the CPU).")
    String device;

    @Option(names = "--grad-out", paramLabel = "G.npy", description = "Write dL/dz (N, V) here, in the student's dtype.")
    Path gradOut;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: all processors).")
    String threads;

    /** A problem with the input; the message is the one line to print. */
    static final class InputError extends Exception {
        InputError(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(spec.commandLine().getOut(), err);
        } catch (InputError e) {
            err.println("distillab: error: " + oneLine(e.getMessage()));
            err.flush();
            return ExitCodes.BAD_INPUT;
        }
    }

    private int run(PrintWriter out, PrintWriter err) throws InputError {
        if (student == null || labels == null || spans == null) {
            throw new InputError("--student, --labels and --spans are required");
        }
        if ((teacher == null) == (teacherTopk == null)) {
            throw new InputError("give exactly one of --teacher T.npy and --teacher-topk IDX.npy,LOGP.npy");
        }
        LossConfig config = config();
        Device where = argument("--device", () -> Device.parse(device));
        int cpuThreads = threads == null ? Runtime.getRuntime().availableProcessors()
                : argument("--threads", () -> positive(Integer.parseInt(threads.trim())));
        if (gradOut != null) {
            Path dir = gradOut.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
                throw new InputError(gradOut + ": folder does not exist or is not writable");
            }
        }

        Map<InvalidLossInputException.Input, Path> files = new EnumMap<>(InvalidLossInputException.Input.class);
        files.put(InvalidLossInputException.Input.STUDENT, student);
        files.put(InvalidLossInputException.Input.LABELS, labels);
        files.put(InvalidLossInputException.Input.SPANS, spans);
        LossInputs inputs;
        try {
            NpyArray z = read(student);
            NpyArray y = read(labels);
            NpyArray m = read(spans);
            if (teacher != null) {
                files.put(InvalidLossInputException.Input.TEACHER, teacher);
                inputs = LossInputs.fromArrays(z, read(teacher), y, m);
            } else {
                String[] parts = teacherTopk.split(",");
                if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                    throw new InputError("--teacher-topk needs two files, IDX.npy,LOGP.npy; got '" + teacherTopk + "'");
                }
                Path index = Path.of(parts[0].trim());
                Path logProb = Path.of(parts[1].trim());
                files.put(InvalidLossInputException.Input.TEACHER_INDEX, index);
                files.put(InvalidLossInputException.Input.TEACHER_LOGPROB, logProb);
                inputs = LossInputs.fromArrays(z, read(index), read(logProb), y, m);
            }
            inputs.checkFinite(cpuThreads);
        } catch (InvalidLossInputException e) {
            throw new InputError(e.input().label() + " " + files.get(e.input()) + ": " + e.getMessage());
        }

        LossResult result;
        try (SpanMaskedLoss engine = LossEngines.open(where, cpuThreads, line -> {
            err.println("distillab: " + line);
            err.flush();
        })) {
            result = engine.compute(inputs, config, gradOut != null);
        } catch (CudaUnavailableException e) {
            throw new InputError("--device cuda: " + e.getMessage());
        }
        if (gradOut != null) {
            try {
                NpyWriter.write(gradOut, result.gradient().array());
            } catch (IOException e) {
                throw new InputError(gradOut + ": cannot write the gradient: " + e.getMessage());
            }
        }
        out.println(json(result));
        out.flush();
        return ExitCodes.OK;
    }

    private LossConfig config() throws InputError {
        Preset p = argument("--preset", () -> Preset.parse(preset));
        Double a = alpha == null ? null : argument("--alpha", () -> Double.parseDouble(alpha.trim()));
        Double t = temperature == null ? null : argument("--temperature", () -> Double.parseDouble(temperature.trim()));
        if (a != null && (klWeights != null || ceWeights != null)) {
            throw new InputError("--alpha conflicts with --w-kl/--w-ce (give the weight tables or alpha, not both)");
        }
        double[] kl = klWeights == null ? null : argument("--w-kl", () -> table(klWeights));
        double[] ce = ceWeights == null ? null : argument("--w-ce", () -> table(ceWeights));
        return argument("loss configuration", () -> LossConfig.resolve(p, a, t, kl, ce));
    }

    private static double[] table(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length != SpanType.COUNT) {
            throw new IllegalArgumentException("needs 4 comma-separated weights (reason,action,observation,other), got '"
                    + text + "'");
        }
        double[] out = new double[SpanType.COUNT];
        for (int k = 0; k < SpanType.COUNT; k++) {
            out[k] = Double.parseDouble(parts[k].trim());
        }
        return out;
    }

    private static int positive(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("must be >= 1, got " + n);
        }
        return n;
    }

    interface Parse<T> {
        T get();
    }

    private static <T> T argument(String name, Parse<T> parse) throws InputError {
        try {
            return parse.get();
        } catch (NumberFormatException e) {
            throw new InputError(name + ": not a number (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw new InputError(name + ": " + e.getMessage());
        }
    }

    private static NpyArray read(Path file) throws InputError {
        try {
            return NpyReader.read(file);
        } catch (NoSuchFileException e) {
            throw new InputError(file + ": no such file");
        } catch (IOException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new InputError(message.startsWith(file.toString()) ? message : file + ": " + message);
        } catch (OutOfMemoryError e) {
            throw new InputError(file + ": too large for the Java heap (raise -Xmx)");
        }
    }

    static String json(LossResult r) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"loss\": ").append(number(r.loss()))
                .append(", \"kl\": ").append(number(r.kl()))
                .append(", \"ce\": ").append(number(r.ce()))
                .append(", \"tokens\": {");
        for (SpanType k : SpanType.values()) {
            sb.append(k.ordinal() == 0 ? "" : ", ").append('"').append(k.key()).append("\": ").append(r.tokens()[k.code()]);
        }
        return sb.append("}, \"device\": \"").append(r.device()).append("\"}").toString();
    }

    /** JSON has no NaN or infinity; the shortest round-tripping decimal otherwise. */
    private static String number(double x) {
        return Double.isFinite(x) ? Double.toString(x) : "null";
    }

    private static String oneLine(String message) {
        return message == null ? "unknown error" : message.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
