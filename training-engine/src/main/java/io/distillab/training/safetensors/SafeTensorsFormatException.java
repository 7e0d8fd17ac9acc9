package io.distillab.training.safetensors;

import java.nio.file.Path;

/** A file that is not a safetensors file we can read; the message names the file (and tensor). */
public final class SafeTensorsFormatException extends RuntimeException {
    public SafeTensorsFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
