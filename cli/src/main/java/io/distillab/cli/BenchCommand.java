package io.distillab.cli;

import picocli.CommandLine.Command;

/** {@code distillab bench ...}: benchmarks whose figures go into docs/performance.md. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks (results belong in docs/performance.md with the command and machine).",
        subcommands = {io.distillab.cli.bench.BenchCliCommand.class, io.distillab.cli.bench.BenchEdgesCommand.class,
            io.distillab.cli.bench.BenchAnalyzeCommand.class, io.distillab.cli.bench.BenchGedCommand.class,
            io.distillab.cli.loss.BenchLossCommand.class, io.distillab.cli.bench.BenchGemmCommand.class,
            io.distillab.cli.bench.BenchTrainCommand.class, io.distillab.cli.bench.BenchGpuTrainCommand.class,
            io.distillab.cli.prepare.BenchPrepareCommand.class, io.distillab.cli.bench.BenchLoadCommand.class,
            io.distillab.cli.bench.BenchEvaluateCommand.class})
public final class BenchCommand {
}
