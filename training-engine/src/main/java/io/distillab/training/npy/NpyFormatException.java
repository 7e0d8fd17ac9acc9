package io.distillab.training.npy;

import java.io.IOException;
import java.nio.file.Path;

/** A file that is not a {@code .npy} array DistilLab can read; the message names the file. */
public final class NpyFormatException extends IOException {
    public NpyFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
