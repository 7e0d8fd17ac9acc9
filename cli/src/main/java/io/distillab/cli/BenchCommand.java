package io.distillab.cli;

import picocli.CommandLine.Command;

/** {@code distillab bench ...}: benchmarks whose figures go into docs/performance.md. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks (results belong in docs/performance.md with the command and machine).",
        subcommands = {})
public final class BenchCommand {
}
