package io.distillab.core.importer;

import io.distillab.core.trajectory.Trajectory;
import java.io.ByteArrayInputStream;

/**
 * The property the importers' fuzz tests hold them to: arbitrary bytes either import or are refused
 * with one {@link ImportException}. Anything else thrown (a NullPointerException, a
 * ClassCastException, a StackOverflowError, an OutOfMemoryError) escapes and fails the fuzz test.
 *
 * <p>What imports must also survive storage: the service stores every trajectory as its canonical
 * record and reads it back for analyses, so a record that imported but does not read back would
 * break an analysis later; that too is a failure, with no refusal allowed.
 */
final class ImportFuzzing {
    private ImportFuzzing() {
    }

    static void importOrRefuse(byte[] input, String name, TrajectoryFormat format) {
        try {
            TrajectoryImporter.importRecords(new ByteArrayInputStream(input), name, format, null,
                    (t, raw) -> readsBack(t));
        } catch (ImportException refused) {
            if (refused.getMessage() == null || refused.getMessage().isBlank()) {
                throw new AssertionError("a refusal without a message", refused);
            }
        }
    }

    private static void readsBack(Trajectory t) {
        Trajectory back;
        try {
            back = CanonicalRecord.parse(CanonicalRecord.toJsonString(t), "stored");
        } catch (ImportException e) {
            throw new AssertionError("an imported trajectory does not read back from its canonical record", e);
        }
        if (back.calls().size() != t.calls().size() || back.messages().size() != t.messages().size()) {
            throw new AssertionError("the canonical record of " + t.source() + " reads back with "
                    + back.calls().size() + " calls and " + back.messages().size() + " messages, not "
                    + t.calls().size() + " and " + t.messages().size());
        }
    }
}
