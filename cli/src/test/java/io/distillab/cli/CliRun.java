package io.distillab.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code distillab} in-process, as the tests' user would, capturing exit code, stdout and stderr. */
public record CliRun(int code, String out, String err) {
    public static CliRun of(String... args) {
        picocli.CommandLine cl = Distillab.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
