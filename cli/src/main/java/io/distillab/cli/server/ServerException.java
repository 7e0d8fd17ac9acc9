package io.distillab.cli.server;

import java.io.IOException;

/**
 * The server refused a request (its problem document's detail is the message) or could not be
 * reached. An IOException, so that {@code distillab} prints it as one line and exits with 2.
 */
public final class ServerException extends IOException {
    private final int status;

    public ServerException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status, 0 when no answer came. */
    public int status() {
        return status;
    }
}
