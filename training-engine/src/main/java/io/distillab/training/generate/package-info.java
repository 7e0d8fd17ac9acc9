/**
 * Text from a student: {@link io.distillab.training.generate.Sampler} picks each next token from
 * the logits (greedy, temperature, top-k, top-p, seeded), {@link io.distillab.training.generate.Generator}
 * runs the model token after token until a stop token, the token budget or the model's context.
 * For looking at what a student does with a prompt or a trajectory's turn (distillab generate), not
 * for serving: each new token runs the model over the whole sequence again (no key/value cache).
 */
package io.distillab.training.generate;
