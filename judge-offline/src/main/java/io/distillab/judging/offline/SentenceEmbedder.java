package io.distillab.judging.offline;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * Sentence embeddings from all-MiniLM-L6-v2, run in-process by ONNX Runtime from the weights
 * inside LangChain4j's Maven artifact: no network, and the same vector for the same text.
 *
 * <p>Vectors are L2-normalised, so a dot product is a cosine. Recently used vectors are kept
 * (a message recurs in many RPS pairs), and at most {@code maxConcurrency} texts are embedded at
 * once: the work is CPU bound, more threads than cores only add switching.
 */
public final class SentenceEmbedder {
    /** The model's name in judgments' provenance. */
    public static final String MODEL = "all-MiniLM-L6-v2";
    /** Vectors kept by default (judge-service: distillab.judge.offline.embedding-cache-size). */
    public static final int DEFAULT_CACHE_SIZE = 20_000;

    private final EmbeddingModel model;
    private final Semaphore slots;
    private final Map<String, float[]> recent;

    public SentenceEmbedder(int cacheSize, int maxConcurrency) {
        this.model = new AllMiniLmL6V2EmbeddingModel();
        this.slots = new Semaphore(Math.max(1, maxConcurrency));
        this.recent = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
                return size() > cacheSize;
            }
        };
    }

    /** The unit-length embedding of {@code text}. */
    public float[] embed(String text) {
        synchronized (recent) {
            float[] known = recent.get(text);
            if (known != null) {
                return known;
            }
        }
        float[] vector;
        slots.acquireUninterruptibly();
        try {
            vector = normalized(model.embed(text).content().vector());
        } finally {
            slots.release();
        }
        synchronized (recent) {
            recent.put(text, vector);
        }
        return vector;
    }

    /** The normalised mean of the texts' embeddings: a group's semantic centre. */
    public float[] centroid(List<String> texts) {
        float[] sum = null;
        for (String text : texts) {
            float[] v = embed(text);
            if (sum == null) {
                sum = new float[v.length];
            }
            for (int i = 0; i < v.length; i++) {
                sum[i] += v[i];
            }
        }
        if (sum == null) {
            throw new IllegalArgumentException("no texts");
        }
        return normalized(sum);
    }

    /** Cosine of two unit vectors. */
    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot;
    }

    private static float[] normalized(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        norm = Math.sqrt(norm);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = norm == 0 ? 0f : (float) (v[i] / norm);
        }
        return out;
    }
}
