package io.distillab.cli;

import io.distillab.cli.analyze.AnalyzeCommand;
import io.distillab.core.importer.ImportException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code distillab} command: each feature registers its subcommand here. */
@Command(name = "distillab", mixinStandardHelpOptions = true, version = "distillab 0.1.0",
        description = "Agent distillation: tool-use similarity metrics and span-level training.",
        subcommands = {CommandLine.HelpCommand.class, AnalyzeCommand.class, BenchCommand.class, io.distillab.cli.loss.LossCommand.class,
            io.distillab.cli.server.ImportCommand.class, io.distillab.cli.train.TrainCommand.class,
            io.distillab.cli.prepare.PrepareCommand.class})
public final class Distillab {
    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new Distillab());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            String message = userMessage(ex);
            if (message == null) {
                commandLine.getErr().println("distillab: internal error: " + ex);
                ex.printStackTrace(commandLine.getErr());
                return ExitCodes.INTERNAL;
            }
            commandLine.getErr().println("distillab: error: " + message);
            return ExitCodes.BAD_INPUT;
        });
        // a usage problem gets one line too (what and where), not the whole usage text
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("distillab: error: " + ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName()
                    + " --help')");
            return ExitCodes.BAD_INPUT;
        });
        cl.setExitCodeExceptionMapper(ex -> ExitCodes.BAD_INPUT);
        return cl;
    }

    /** One line for input problems the user can fix; null for bugs (which get a stack trace). */
    static String userMessage(Throwable ex) {
        if (ex instanceof ImportException || ex instanceof IllegalArgumentException
                || ex instanceof io.distillab.training.data.DataException) {
            return ex.getMessage();
        }
        if (ex instanceof NoSuchFileException nsf) {
            return nsf.getFile() + ": no such file";
        }
        if (ex instanceof UncheckedIOException u) {
            return u.getCause().getMessage();
        }
        if (ex instanceof java.io.IOException io) {
            return io.getMessage();
        }
        return null;
    }
}
