package io.distillab.core.trajectory;

/** The speaker of a chat turn, normalised across formats (ToolBench's {@code function} is {@link #TOOL}). */
public enum Role {
    SYSTEM, USER, ASSISTANT, TOOL
}
