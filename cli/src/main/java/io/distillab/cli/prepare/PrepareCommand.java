package io.distillab.cli.prepare;

import io.distillab.cli.AtomicFiles;
import io.distillab.training.data.Prepare;
import io.distillab.training.data.SequenceView;
import io.distillab.training.data.Tokenizer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code distillab prepare}: trajectories to training rows (SPEC section 7). */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = {"Turns trajectories into typed training rows.",
            "Renders them with the student's chat template, types every token (REASON, ACTION, OBSERVATION,",
            "OTHER), cuts and packs them into rows: tokens.npy, spans.npy, positions.npy, complexity.npy and",
            "prepare.json in --out."})
public final class PrepareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainingDataOptions data;

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR|gpt2",
            description = "A Hugging Face tokenizer folder (tokenizer.json, tokenizer_config.json) or gpt2.")
    String tokenizer;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (written atomically).")
    Path out;

    @Option(names = "--show", paramLabel = "N", description = "Print the first N sequences, coloured by span type.")
    Integer show;

    @Option(names = "--html", paramLabel = "FILE", description = "Write the first --show sequences (default 5) as a page.")
    Path html;

    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: the processors).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (data.files == null || data.files.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--data: give at least one trajectory file");
        }
        if (out == null && show == null && html == null) {
            throw new ParameterException(spec.commandLine(), "--out is needed (or --show/--html to look only)");
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Tokenizer tok = Tokenizer.load(tokenizer);
        long t0 = System.nanoTime();
        Prepare.Prepared p = Prepare.run(data.files, data.format(), tok, data.context, data.truncate, n);
        double seconds = (System.nanoTime() - t0) / 1e9;
        int shown = Math.min(p.sequences().size(), show != null ? show : 5);
        if (show != null) {
            spec.commandLine().getOut().print(SequenceView.ansi(p.sequences().subList(0, shown), data.context, data.truncate));
        }
        if (html != null) {
            String page = SequenceView.html(p.sequences().subList(0, shown), data.context, data.truncate,
                    "distillab prepare: " + data.files.get(0).getFileName() + " with " + tok.name());
            AtomicFiles.write(html, o -> o.write(page.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        if (out != null) {
            Prepare.write(p, out);
        }
        Map<String, Object> r = p.report();
        @SuppressWarnings("unchecked")
        Map<String, Object> tokens = (Map<String, Object>) r.get("tokens");
        @SuppressWarnings("unchecked")
        Map<String, Object> labelled = (Map<String, Object>) r.get("labelled");
        spec.commandLine().getErr().printf("prepare: %s trajectories, %s windows, %s rows of %d tokens; %s tokens "
                        + "(%s labelled) in %.1f s%s%n", r.get("trajectories"), r.get("windows"), r.get("rows"),
                data.context, tokens.get("total"), labelled.get("total"), seconds, out == null ? "" : " -> " + out);
        return 0;
    }
}
