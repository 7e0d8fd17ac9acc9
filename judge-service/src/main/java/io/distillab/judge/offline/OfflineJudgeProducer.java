package io.distillab.judge.offline;

import io.distillab.judge.judgment.JudgeSettings;
import io.distillab.judging.offline.SentenceEmbedder;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Makes the plain-Java offline judge a bean; the ONNX model loads once, at first injection. */
public class OfflineJudgeProducer {
    private static final Logger LOG = Logger.getLogger(OfflineJudgeProducer.class);

    @Produces
    @Singleton
    OfflineJudge offlineJudge(JudgeSettings settings) {
        int permits = settings.offline().maxConcurrency() > 0 ? settings.offline().maxConcurrency()
                : Runtime.getRuntime().availableProcessors();
        long start = System.nanoTime();
        OfflineJudge judge = new OfflineJudge(new SentenceEmbedder(settings.offline().embeddingCacheSize(), permits));
        LOG.infof("Offline judge ready (%s, %d concurrent) in %d ms", SentenceEmbedder.MODEL, permits,
                (System.nanoTime() - start) / 1_000_000);
        return judge;
    }
}
