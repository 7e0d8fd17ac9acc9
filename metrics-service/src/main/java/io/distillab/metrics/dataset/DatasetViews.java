package io.distillab.metrics.dataset;

import java.time.OffsetDateTime;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What the dataset endpoints answer. */
public final class DatasetViews {
    private DatasetViews() {
    }

    @Schema(description = "A dataset to create")
    public record NewDataset(
            @Schema(required = true, examples = "tau-bench-airline") String name,
            @Schema(examples = "tau-bench airline results of five agents") String description) {
    }

    @Schema(description = "A dataset and how much it holds")
    public record DatasetView(long id, String name, String description, OffsetDateTime createdAt, long uploads,
                              long trajectories, long models, long tasks) {
    }

    @Schema(description = "A model of a dataset: its trajectories and the tasks they cover")
    public record ModelView(String name, long trajectories, long tasks) {
    }

    @Schema(description = "A task of a dataset: its trajectories and the models that ran it")
    public record TaskView(String name, long trajectories, long models) {
    }

    @Schema(description = "One uploaded file")
    public record UploadView(long id, long dataset, String fileName, String format, long bytes, int trajectories,
                             int skipped, double seconds, OffsetDateTime createdAt, List<String> models) {
    }
}
