package io.distillab.trainer.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.trainer.store.ModelStore;
import java.util.List;
import java.util.Set;

/**
 * A training job as submitted: where its trajectories come from, the student and teacher, and every
 * option of {@code distillab train} under its camel-case name ({@code --batch-size} is
 * {@code batchSize}, {@code --w-kl} is {@code wKl}). An absent option takes the engine's default;
 * the stored parameters are what was given, so a job's page shows what its submitter asked for.
 *
 * @param dataset      a metrics-service dataset id (or an uploaded file instead)
 * @param datasetModel with {@code dataset}: train on this model's trajectories only (the teacher's)
 * @param format       the uploaded file's format (detected when absent)
 * @param student      a checkpoint folder under the store's {@code models/}
 * @param studentConfig a Hugging Face {@code config.json} object for a new, randomly initialised student
 * @param teacher      a checkpoint folder under {@code models/}, run forward on the same tokens
 * @param teacherTopk  a folder under {@code topk/} with {@code IDX.npy} and {@code LOGP.npy}
 * @param tokenizer    {@code gpt2} or a folder under {@code tokenizers/} (default: the student's own)
 * @param evalFraction the fraction of the training rows held out and evaluated on (the job's
 *                     {@code eval.jsonl}, its report and loss chart); none when absent
 * @param evalRows     instead of evalFraction, the number of rows held out
 * @param evalEvery    steps between evaluations (default: checkpointEvery)
 * @param keepBest     keep the weights of the lowest held-out loss ({@code GET .../student?which=best})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@io.quarkus.runtime.annotations.RegisterForReflection
public record JobParameters(
        String name,
        Long dataset, String datasetModel, String format, String tokenizer, Integer context, Boolean truncate,
        Boolean curriculum, Double curriculumStart, Long curriculumSteps,
        String student, JsonNode studentConfig, String teacher, String teacherTopk,
        String preset, Double alpha, Double temperature, List<Double> wKl, List<Double> wCe,
        Boolean learnSpanWeights,
        Boolean lora, Integer loraRank, Double loraAlpha, Boolean merge,
        Long steps, Integer batchSize, Integer gradAccum, Double lr, Integer warmup, Double clip,
        Double weightDecay, String order, Long seed, Long checkpointEvery,
        String device, Integer threads, Double evalFraction, Integer evalRows, Long evalEvery, Boolean keepBest) {

    public static final Set<String> PRESETS = Set.of("sad", "kd", "sft");
    public static final Set<String> DEVICES = Set.of("cpu", "cuda", "auto");
    public static final Set<String> ORDERS = Set.of("file", "shuffle");
    public static final Set<String> MODEL_TYPES = Set.of("gpt2", "llama", "qwen2", "qwen3");
    static final Set<String> FORMATS = Set.of("tau-bench", "tau2", "toolbench", "chat-jsonl");

    /** The device the job asks for; {@code cpu} when it names none. */
    public String deviceOrDefault() {
        return device == null ? "cpu" : device;
    }

    /**
     * Checks everything that can be checked without reading the store or the data: required
     * fields, ranges, and combinations that cannot run together.
     *
     * @param uploaded whether the request carries a trajectory file (instead of {@code dataset})
     * @throws InvalidJobException naming the first field at fault
     */
    public void validate(boolean uploaded) {
        if (name != null && (name.isBlank() || name.length() > 200)) {
            throw new InvalidJobException("name", "must be 1 to 200 characters when given");
        }
        if (uploaded && dataset != null) {
            throw new InvalidJobException("dataset", "give a dataset or upload a trajectory file, not both");
        }
        if (!uploaded && dataset == null) {
            throw new InvalidJobException("dataset",
                    "required: a metrics-service dataset id, or upload a trajectory file with the job");
        }
        if (datasetModel != null && dataset == null) {
            throw new InvalidJobException("datasetModel", "only with dataset");
        }
        if (format != null && !FORMATS.contains(format)) {
            throw new InvalidJobException("format", "must be one of tau-bench, tau2, toolbench, chat-jsonl");
        }
        if (format != null && dataset != null) {
            throw new InvalidJobException("format", "only for an uploaded file (a dataset's trajectories come as chat-jsonl)");
        }
        if (context != null && context < 2) {
            throw new InvalidJobException("context", "must be at least 2 tokens");
        }
        if (curriculumStart != null && !(curriculumStart > 0 && curriculumStart <= 1)) {
            throw new InvalidJobException("curriculumStart", "must be in (0, 1]");
        }
        if (curriculumSteps != null && curriculumSteps < 1) {
            throw new InvalidJobException("curriculumSteps", "must be at least 1");
        }
        if ((curriculumStart != null || curriculumSteps != null) && !Boolean.TRUE.equals(curriculum)) {
            throw new InvalidJobException(curriculumStart != null ? "curriculumStart" : "curriculumSteps",
                    "only with curriculum: true");
        }

        if (student == null && studentConfig == null) {
            throw new InvalidJobException("student",
                    "required: a checkpoint folder name on the model store, or a studentConfig for a new student");
        }
        if (student != null && studentConfig != null) {
            throw new InvalidJobException("studentConfig", "give student or studentConfig, not both");
        }
        storeName("student", student);
        if (studentConfig != null) {
            if (!studentConfig.isObject()) {
                throw new InvalidJobException("studentConfig", "must be a config.json object");
            }
            JsonNode type = studentConfig.get("model_type");
            if (type == null || !type.isTextual() || !MODEL_TYPES.contains(type.asText())) {
                throw new InvalidJobException("studentConfig.model_type", "must be one of gpt2, llama, qwen2, qwen3");
            }
            if (tokenizer == null) {
                throw new InvalidJobException("tokenizer",
                        "required with studentConfig (a new student has no tokenizer of its own): gpt2 or a store name");
            }
        }
        if (teacher != null && teacherTopk != null) {
            throw new InvalidJobException("teacherTopk", "give teacher or teacherTopk, not both");
        }
        storeName("teacher", teacher);
        storeName("teacherTopk", teacherTopk);
        if (tokenizer != null && !tokenizer.equals("gpt2")) {
            storeName("tokenizer", tokenizer);
        }

        if (preset != null && !PRESETS.contains(preset)) {
            throw new InvalidJobException("preset", "must be one of sad, kd, sft");
        }
        if (alpha != null && !(alpha >= 0 && alpha <= 1)) {
            throw new InvalidJobException("alpha", "must be in [0, 1]");
        }
        if (temperature != null && !(temperature > 0 && Double.isFinite(temperature))) {
            throw new InvalidJobException("temperature", "must be a positive number");
        }
        if ((wKl == null) != (wCe == null)) {
            throw new InvalidJobException(wKl == null ? "wKl" : "wCe", "wKl and wCe come together");
        }
        if (wKl != null) {
            spanWeights("wKl", wKl);
            spanWeights("wCe", wCe);
            if (wKl.stream().allMatch(w -> w == 0) && wCe.stream().allMatch(w -> w == 0)) {
                throw new InvalidJobException("wCe", "every weight is 0: the loss would teach nothing");
            }
        }
        if (Boolean.TRUE.equals(merge) && !Boolean.TRUE.equals(lora)) {
            throw new InvalidJobException("merge", "only with lora: true");
        }
        if ((loraRank != null || loraAlpha != null) && !Boolean.TRUE.equals(lora)) {
            throw new InvalidJobException(loraRank != null ? "loraRank" : "loraAlpha", "only with lora: true");
        }
        if (loraRank != null && loraRank < 1) {
            throw new InvalidJobException("loraRank", "must be at least 1");
        }
        if (loraAlpha != null && !(loraAlpha > 0)) {
            throw new InvalidJobException("loraAlpha", "must be positive");
        }

        if (steps == null || steps < 1) {
            throw new InvalidJobException("steps", "required: a number of optimizer steps, at least 1");
        }
        if (batchSize == null || batchSize < 1) {
            throw new InvalidJobException("batchSize", "required: rows per step, at least 1");
        }
        if (gradAccum != null && (gradAccum < 1 || gradAccum > batchSize)) {
            throw new InvalidJobException("gradAccum", "must be between 1 and batchSize (" + batchSize + ")");
        }
        if (lr != null && !(lr > 0 && Double.isFinite(lr))) {
            throw new InvalidJobException("lr", "must be a positive number");
        }
        if (warmup != null && (warmup < 0 || warmup > steps)) {
            throw new InvalidJobException("warmup", "must be between 0 and steps (" + steps + ")");
        }
        if (clip != null && !(clip > 0)) {
            throw new InvalidJobException("clip", "must be positive");
        }
        if (weightDecay != null && !(weightDecay >= 0 && Double.isFinite(weightDecay))) {
            throw new InvalidJobException("weightDecay", "must be 0 or more");
        }
        if (order != null && !ORDERS.contains(order)) {
            throw new InvalidJobException("order", "must be file or shuffle");
        }
        if (order != null && Boolean.TRUE.equals(curriculum)) {
            throw new InvalidJobException("order", "curriculum is a data order of its own: drop order");
        }
        if (checkpointEvery != null && checkpointEvery < 1) {
            throw new InvalidJobException("checkpointEvery", "must be at least 1 step");
        }
        if (evalFraction != null && !(evalFraction >= 0 && evalFraction < 1)) {
            throw new InvalidJobException("evalFraction", "must be a fraction in [0, 1)");
        }
        if (evalRows != null && evalRows < 1) {
            throw new InvalidJobException("evalRows", "must be at least 1 row");
        }
        if (evalRows != null && evalFraction != null) {
            throw new InvalidJobException("evalRows", "give evalFraction or evalRows, not both");
        }
        boolean evaluates = evalRows != null || evalFraction != null && evalFraction > 0;
        if (evalEvery != null && !evaluates) {
            throw new InvalidJobException("evalEvery", "needs held-out rows: give evalFraction or evalRows");
        }
        if (Boolean.TRUE.equals(keepBest) && !evaluates) {
            throw new InvalidJobException("keepBest", "needs held-out rows: give evalFraction or evalRows");
        }
        if (evalEvery != null && (evalEvery < 1 || evalEvery > Integer.MAX_VALUE)) {
            throw new InvalidJobException("evalEvery", "must be at least 1 step");
        }
        if (device != null && !DEVICES.contains(device)) {
            throw new InvalidJobException("device", "must be one of cpu, cuda, auto");
        }
        if (threads != null && (threads < 1 || threads > 1024)) {
            throw new InvalidJobException("threads", "must be between 1 and 1024");
        }
    }

    private static void storeName(String field, String value) {
        if (value != null && !ModelStore.validName(value)) {
            throw new InvalidJobException(field, "'" + value + "' is not a folder name of the model store "
                    + "(letters, digits, '.', '_', '-'; one path element)");
        }
    }

    private static void spanWeights(String field, List<Double> w) {
        if (w.size() != 4) {
            throw new InvalidJobException(field, "must have 4 weights (reason, action, observation, other), not "
                    + w.size());
        }
        for (int i = 0; i < 4; i++) {
            Double v = w.get(i);
            if (v == null || !(v >= 0) || !Double.isFinite(v)) {
                throw new InvalidJobException(field + "[" + i + "]", "must be a finite number, 0 or more");
            }
        }
    }
}
