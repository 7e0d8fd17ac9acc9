package io.distillab.judge.judgment;

import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Which judge made a judgment: every judgment carries it, and the cache stores it. */
@Schema(description = "Provenance of a judgment: judge, provider, model, parameters, prompt version")
public record JudgeInfo(
        @Schema(description = "Configured judge name the request selected", examples = "offline") String name,
        @Schema(description = "Provider: 'offline' or the configured label of the OpenAI-compatible endpoint",
                examples = "openai-compatible") String provider,
        @Schema(examples = "gpt-4o-mini") String model,
        @Schema(description = "Sampling parameters sent with every request (offline: none)") Map<String, Object> parameters,
        @Schema(description = "Version of the prompt (LLM) or of the scoring formulas (offline)", examples = "rps-v1")
        String promptVersion,
        @Schema(description = "True when the offline judge (embeddings + lexical features) made the judgment")
        boolean offline) {

    /** The provider name of the offline judge. */
    public static final String OFFLINE_PROVIDER = "offline";

    public JudgeInfo {
        parameters = Map.copyOf(parameters);
    }
}
