package io.distillab.training.train;

import io.distillab.training.parallel.Items;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW with PyTorch's semantics (torch.optim.AdamW, single-tensor path), SPEC section 8, in
 * float32 with PyTorch's order of operations; scalars (1 - lr*wd, bias corrections, step size)
 * in double as Python computes them, each rounded once to float where it meets a tensor:
 * <pre>
 *   p ← p * (1 - lr*λ)                          (decoupled decay, first)
 *   m ← m*β1 + (1-β1)*g
 *   v ← v*β2 + (1-β2)*g*g
 *   denom = sqrt(v) / sqrt(1-β2^t) + ε           (ε outside the square root)
 *   p ← p + (-lr/(1-β1^t)) * m / denom           (t counts from 1)
 * </pre>
 * Every element is updated independently, so splitting the work over threads changes nothing.
 */
public final class AdamW {
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.95;
    public static final double EPS = 1e-8;
    private static final int CHUNK = 1 << 16;

    /** One trainable tensor: its values, gradient and the two moments, all of one length. */
    public record Slot(String name, float[] data, float[] grad, float[] m, float[] v, double weightDecay) {
        public Slot {
            if (grad.length != data.length || m.length != data.length || v.length != data.length) {
                throw new IllegalArgumentException(name + ": data, grad and moments differ in length");
            }
        }
    }

    private final double beta1;
    private final double beta2;
    private final double eps;

    public AdamW() {
        this(BETA1, BETA2, EPS);
    }

    public AdamW(double beta1, double beta2, double eps) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /** Update {@code t} (from 1) with learning rate {@code lr} of every slot, on {@code threads} threads. */
    public void step(long t, double lr, List<Slot> slots, int threads) {
        double bias1 = 1 - Math.pow(beta1, t);
        double bias2 = 1 - Math.pow(beta2, t);
        float stepSize = (float) -(lr / bias1);
        float bias2Sqrt = (float) Math.sqrt(bias2);
        // (slot, chunk) work items over all slots, so one pass of the threads covers the step
        List<int[]> items = new ArrayList<>();
        for (int s = 0; s < slots.size(); s++) {
            int length = slots.get(s).data().length;
            for (int from = 0; from < length; from += CHUNK) {
                items.add(new int[] {s, from, Math.min(length, from + CHUNK)});
            }
        }
        Items.run(threads, items.size(), i -> {
            int[] item = items.get(i);
            Slot slot = slots.get(item[0]);
            update(slot, item[1], item[2], (float) (1 - lr * slot.weightDecay()), stepSize, bias2Sqrt);
        });
    }

    private void update(Slot slot, int from, int to, float decay, float stepSize, float bias2Sqrt) {
        float[] p = slot.data();
        float[] g = slot.grad();
        float[] m = slot.m();
        float[] v = slot.v();
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float oneMinusB1 = (float) (1 - beta1);
        float oneMinusB2 = (float) (1 - beta2);
        float epsilon = (float) eps;
        for (int i = from; i < to; i++) {
            float pi = p[i] * decay;
            float gi = g[i];
            float mi = m[i] * b1 + oneMinusB1 * gi;
            float vi = v[i] * b2 + oneMinusB2 * gi * gi;
            float denom = (float) Math.sqrt(vi) / bias2Sqrt + epsilon;
            m[i] = mi;
            v[i] = vi;
            p[i] = pi + stepSize * mi / denom;
        }
    }
}
