package io.distillab.core.importer;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.trajectory.Trajectory;

/** Receives each imported trajectory together with the raw record it was read from. */
@FunctionalInterface
public interface RecordSink {
    void accept(Trajectory trajectory, JsonNode rawRecord);
}
