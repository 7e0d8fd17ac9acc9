package io.distillab.cli;

/** The CLI's exit codes. */
public final class ExitCodes {
    public static final int OK = 0;
    /** Something broke that is not the user's input. */
    public static final int INTERNAL = 1;
    /** Bad input or usage: the one line on stderr says what and where. */
    public static final int BAD_INPUT = 2;

    private ExitCodes() {
    }
}
