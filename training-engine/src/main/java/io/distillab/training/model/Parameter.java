package io.distillab.training.model;

import java.util.Arrays;

/**
 * One tensor of a model, stored exactly as Hugging Face saves it (name, shape, row-major
 * float32 data), with its gradient while it is trained.
 */
public final class Parameter {
    private final String name;
    private final int[] shape;
    private final float[] data;
    private float[] grad;

    Parameter(String name, int... shape) {
        this.name = name;
        this.shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + " has " + n + " elements, more than a Java array holds");
        }
        this.data = new float[(int) n];
        this.grad = new float[(int) n];
    }

    /** The HF tensor name, e.g. {@code model.layers.0.self_attn.q_proj.weight}. */
    public String name() {
        return name;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int size() {
        return data.length;
    }

    public float[] data() {
        return data;
    }

    /** The accumulated gradient; null when the parameter is frozen. */
    public float[] grad() {
        return grad;
    }

    public boolean trainable() {
        return grad != null;
    }

    /** Weight decay applies to tensors of two or more dimensions (SPEC 8). */
    public boolean decays() {
        return shape.length >= 2;
    }

    /** Stops training this tensor and drops its gradient's memory. */
    void freeze() {
        grad = null;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
