package io.distillab.metrics.importing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Import meters for Prometheus: {@code distillab_import_bytes_total} (its rate is the import
 * bytes/s across uploads), the throughput of each upload, and rejected uploads.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // registered at start, so that the meters read 0 before the first upload
public class ImportMetrics {
    private final Counter bytes;
    private final Counter uploads;
    private final Counter rejected;
    private final DistributionSummary throughput;

    ImportMetrics(MeterRegistry registry) {
        bytes = Counter.builder("distillab.import.bytes").baseUnit("bytes")
                .description("Bytes of trajectory files stored").register(registry);
        uploads = Counter.builder("distillab.import.uploads").description("Files stored").register(registry);
        rejected = Counter.builder("distillab.import.rejected")
                .description("Uploads refused (bad record) or failed; nothing of them was stored").register(registry);
        throughput = DistributionSummary.builder("distillab.import.throughput").baseUnit("bytes_per_second")
                .description("Import throughput of each upload").register(registry);
    }

    void imported(long byteCount, double seconds) {
        bytes.increment(byteCount);
        uploads.increment();
        if (seconds > 0) {
            throughput.record(byteCount / seconds);
        }
    }

    void rejected() {
        rejected.increment();
    }
}
