package io.distillab.core.tools;

/** How a tool acts on the world, for S_seq's rates (SPEC section 1). */
public enum ToolClass {
    WRITE, READ, GENERIC
}
