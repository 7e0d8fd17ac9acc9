package io.distillab.core.importer;

import io.distillab.core.trajectory.ToolCall;
import io.distillab.core.trajectory.Trajectory;
import java.io.ByteArrayInputStream;
import java.util.Objects;

/**
 * The property the importers' fuzz tests hold them to: arbitrary bytes either import or are refused
 * with one {@link ImportException}. Anything else thrown (a NullPointerException, a
 * ClassCastException, a StackOverflowError, an OutOfMemoryError) escapes and fails the fuzz test.
 *
 * <p>What imports must also survive storage: the service stores every trajectory as its canonical
 * record and reads it back for analyses, so a record that imported but does not read back, or
 * reads back with another call, argument, output, error flag or reward, would break or skew an
 * analysis later; that too is a failure, with no refusal allowed.
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
        same("model", t.model(), back.model());
        same("task", t.task(), back.task());
        same("trial", t.trial(), back.trial());
        same("reward", t.reward(), back.reward());
        same("gold tools", t.goldTools(), back.goldTools());
        same("message count", t.messages().size(), back.messages().size());
        same("call count", t.calls().size(), back.calls().size());
        for (int i = 0; i < t.calls().size(); i++) {
            ToolCall c = t.calls().get(i);
            ToolCall b = back.calls().get(i);
            same("call " + i + " name", c.name(), b.name());
            same("call " + i + " arguments", c.arguments(), b.arguments());
            same("call " + i + " output", c.output(), b.output());
            same("call " + i + " error", c.error(), b.error());
        }
    }

    private static void same(String what, Object imported, Object stored) {
        if (!Objects.equals(imported, stored)) {
            throw new AssertionError("the canonical record changes the " + what + ": imported " + imported
                    + ", read back " + stored);
        }
    }
}
