package io.distillab.core.trajectory;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * One run of one agent (model) on one task (SPEC section 1).
 *
 * @param model     the agent's model name
 * @param task      the task identity; trajectories of different models are compared on equal tasks
 * @param trial     the trial number
 * @param reward    the reward the benchmark gave
 * @param messages  the chat, in order
 * @param calls     the tool calls {@code c_1..c_n} in the order they were made
 * @param goldTools tool names of the task's gold actions, or null when the data has none
 * @param source    where the record came from (file and record), for messages
 * @param tools     the tool schemas the agent was given, OpenAI form
 *                  ({@code [{"type": "function", "function": {name, description, parameters}}]}),
 *                  or null when the data has none; a training sequence renders them as the
 *                  student's chat template renders tools
 */
public record Trajectory(String model, String task, int trial, double reward, List<Message> messages,
                         List<ToolCall> calls, Set<String> goldTools, String source, JsonNode tools) {

    /** SPEC's default {@code successThreshold}. */
    public static final double DEFAULT_SUCCESS_THRESHOLD = 1.0;

    /** A trajectory whose data holds no tool schemas. */
    public Trajectory(String model, String task, int trial, double reward, List<Message> messages,
                      List<ToolCall> calls, Set<String> goldTools, String source) {
        this(model, task, trial, reward, messages, calls, goldTools, source, null);
    }

    public Trajectory {
        messages = List.copyOf(messages);
        calls = List.copyOf(calls);
        goldTools = goldTools == null ? null : Set.copyOf(goldTools);
    }

    public boolean success(double successThreshold) {
        return reward >= successThreshold;
    }

    /** The same trajectory attributed to another model (for {@code --model} overrides). */
    public Trajectory withModel(String newModel) {
        return new Trajectory(newModel, task, trial, reward, messages, calls, goldTools, source, tools);
    }
}
