package io.distillab.k8s;

/**
 * The queue metric the autoscalers read: metrics-service's gauge {@code distillab.analyses} with a
 * {@code status} tag, as Micrometer's Prometheus registry names it at /q/metrics. ChartTest checks that
 * the chart's HPA and KEDA trigger and k8s/prometheus-adapter-rules.yaml use this name;
 * ServicesOnOnePostgresIT checks that the running service really exports it.
 */
final class QueueMetric {
    static final String NAME = "distillab_analyses";

    private QueueMetric() {}
}
