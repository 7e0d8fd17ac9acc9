package io.distillab.judge.bench;

import io.distillab.judge.support.JudgeTestProfile;
import java.util.HashMap;
import java.util.Map;

/**
 * The test profile with the per-client rate limit off: the benchmark is one client measuring the
 * judge's own throughput, which the default limit (100 requests a second) would cap instead.
 */
public class ThroughputBenchProfile extends JudgeTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>(super.getConfigOverrides());
        config.put("distillab.limits.rate.enabled", "false");
        return config;
    }
}
