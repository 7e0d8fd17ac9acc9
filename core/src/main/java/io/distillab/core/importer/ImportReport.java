package io.distillab.core.importer;

import java.util.List;
import java.util.Set;

/**
 * What an import did.
 *
 * @param source       the file, folder or upload name
 * @param format       the format it was read as
 * @param trajectories trajectories handed on
 * @param skipped      ToolBench answer files with no chosen path (the search found none): not errors
 * @param bytes        bytes read
 * @param models       the model names the trajectories carry
 */
public record ImportReport(String source, TrajectoryFormat format, int trajectories, List<String> skipped,
                           long bytes, Set<String> models) {
    public ImportReport {
        skipped = List.copyOf(skipped);
        models = Set.copyOf(models);
    }
}
