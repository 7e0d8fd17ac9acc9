package io.distillab.trainer.data;

import io.distillab.service.support.auth.ServiceCallAuthorization;

/**
 * Sends metrics-service the API key it knows trainer-service by: {@code distillab.metrics.api-key}
 * ({@code DISTILLAB_METRICS_API_KEY}, a reader key made on metrics-service), or, when
 * metrics-service runs on this machine and no key is configured, metrics-service's local admin key
 * file ({@code $DISTILLAB_HOME/metrics-service/admin-key}).
 */
public class MetricsAuthorization extends ServiceCallAuthorization {
    static final String API_KEY = "distillab.metrics.api-key";

    public MetricsAuthorization() {
        super(API_KEY, "metrics-service");
    }
}
