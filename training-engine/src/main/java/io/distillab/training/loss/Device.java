package io.distillab.training.loss;

import java.util.Locale;

/** Where the loss runs: the CPU, a CUDA GPU, or the GPU when one is usable and the CPU otherwise. */
public enum Device {
    CPU,
    CUDA,
    AUTO;

    public static Device parse(String text) {
        for (Device d : values()) {
            if (d.name().equalsIgnoreCase(text.trim())) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown device '" + text + "' (expected cpu, cuda or auto)");
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
