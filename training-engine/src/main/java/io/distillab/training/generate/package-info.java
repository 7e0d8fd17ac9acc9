/**
 * Text from a student: {@link io.distillab.training.generate.Sampler} picks each next token from
 * the logits (greedy, temperature, top-k, top-p, seeded), {@link io.distillab.training.generate.Generator}
 * runs the model token after token (through the model's session: the CPU model caches keys and
 * values, so each new token runs the blocks over its own position only) until a stop token, the
 * token budget or the model's context. For looking at what a student does with a prompt or a
 * trajectory's turn (distillab generate), not for serving: one sequence at a time, no batching.
 */
package io.distillab.training.generate;
