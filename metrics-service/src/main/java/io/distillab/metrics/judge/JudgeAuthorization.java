package io.distillab.metrics.judge;

import io.distillab.service.support.auth.ServiceCallAuthorization;

/**
 * Sends judge-service the API key it knows metrics-service by: {@code distillab.judge.api-key}
 * ({@code DISTILLAB_JUDGE_API_KEY}, a writer key made on judge-service), or, when judge-service
 * runs on this machine and no key is configured, judge-service's local admin key file
 * ({@code $DISTILLAB_HOME/judge-service/admin-key}).
 */
public class JudgeAuthorization extends ServiceCallAuthorization {
    static final String API_KEY = "distillab.judge.api-key";

    public JudgeAuthorization() {
        super(API_KEY, "judge-service");
    }
}
