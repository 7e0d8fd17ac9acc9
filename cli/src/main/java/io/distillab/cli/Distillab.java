package io.distillab.cli;

import io.distillab.cli.analyze.AnalyzeCommand;
import io.distillab.core.importer.ImportException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code distillab} command: each feature registers its subcommand here. */
@Command(name = "distillab", mixinStandardHelpOptions = true, version = Distillab.VERSION,
        description = "Agent distillation: tool-use similarity metrics and span-level training.")
public final class Distillab {
    public static final String VERSION = "distillab 0.1.0";

    /**
     * The subcommands' names, in the order usage lists them. Each is built by {@link #subcommand}:
     * picocli reads a command's annotations when it is added, so only the one the arguments name is
     * built (see {@link #newCommandLine(String...)}). A switch rather than a map of constructor
     * references: those are lambdas, bootstrapped when this class initializes, which even
     * {@code --version} paid for.
     */
    private static final List<String> SUBCOMMANDS =
            List.of("help", "analyze", "bench", "loss", "import", "train", "prepare", "teacher-topk", "generate", "evaluate");

    private static Object subcommand(String name) {
        return switch (name) {
            case "help" -> new CommandLine.HelpCommand();
            case "analyze" -> new AnalyzeCommand();
            case "bench" -> new BenchCommand();
            case "loss" -> new io.distillab.cli.loss.LossCommand();
            case "import" -> new io.distillab.cli.server.ImportCommand();
            case "train" -> new io.distillab.cli.train.TrainCommand();
            case "prepare" -> new io.distillab.cli.prepare.PrepareCommand();
            case "teacher-topk" -> new io.distillab.cli.prepare.TeacherTopKCommand();
            case "generate" -> new io.distillab.cli.generate.GenerateCommand();
            case "evaluate" -> new io.distillab.cli.generate.EvaluateCommand();
            default -> throw new IllegalArgumentException(name);
        };
    }

    public static void main(String[] args) {
        // the answer needs no command model at all: a JVM start and one line
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            System.out.println(VERSION);
            System.exit(ExitCodes.OK);
        }
        System.exit(newCommandLine(args).execute(args));
    }

    /** The command line with every subcommand (for help and tests). */
    public static CommandLine newCommandLine() {
        return newCommandLine(new String[0]);
    }

    /**
     * The command line for these arguments: when the first one names a subcommand, only that
     * subcommand is built (its annotations read, its classes loaded), since that is all the run
     * can reach; otherwise every subcommand, so that usage and errors list them all.
     */
    public static CommandLine newCommandLine(String... arguments) {
        CommandLine cl = new CommandLine(new Distillab());
        if (arguments.length > 0 && !arguments[0].equals("help") && SUBCOMMANDS.contains(arguments[0])) {
            cl.addSubcommand(arguments[0], subcommand(arguments[0]));
        } else {
            for (String name : SUBCOMMANDS) {
                cl.addSubcommand(name, subcommand(name));
            }
        }
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
                || ex instanceof io.distillab.training.data.DataException
                || ex instanceof io.distillab.training.train.InvalidTrainingInputException
                || ex instanceof io.distillab.training.model.ModelFormatException) {
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
