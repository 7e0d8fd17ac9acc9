package io.distillab.trainer.data;

import io.distillab.core.importer.ImportException;
import io.distillab.core.importer.ImportReport;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.trainer.job.InvalidJobException;
import java.nio.file.Path;

/**
 * A job's trajectory file, read through once with core's importers before the job is queued: a
 * file DistilLab cannot read, or one without trajectories, is refused at submission (naming the
 * file, record and field) rather than failing the job later.
 */
public final class TrajectoryFiles {
    private TrajectoryFiles() {
    }

    /**
     * @param format the format given with the upload, or null to detect it
     * @return the format, and how many trajectories the file holds
     * @throws ImportException     on a bad record
     * @throws InvalidJobException when the file holds no trajectory
     */
    public static Checked check(Path file, String format, String field) {
        TrajectoryFormat f = format == null ? TrajectoryImporter.detect(file) : TrajectoryFormat.fromName(format);
        ImportReport report = TrajectoryImporter.importPath(file, f, null, t -> { });
        if (report.trajectories() == 0) {
            throw new InvalidJobException(field, "holds no trajectory to train on");
        }
        return new Checked(f.cliName(), report.trajectories());
    }

    public record Checked(String format, int trajectories) {
    }
}
