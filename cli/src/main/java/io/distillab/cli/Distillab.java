package io.distillab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code distillab} command: each feature registers its subcommand here. */
@Command(name = "distillab", mixinStandardHelpOptions = true, version = "distillab 0.1.0",
        description = "Agent distillation: tool-use similarity metrics and span-level training.",
        subcommands = {CommandLine.HelpCommand.class, BenchCommand.class})
public final class Distillab {
    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    public static CommandLine newCommandLine() {
        return new CommandLine(new Distillab());
    }
}
