package io.distillab.judge.judgment;

import io.distillab.judge.edge.EdgeAnswer;
import io.distillab.judge.edge.EdgeRequest;
import io.distillab.judge.rps.RpsAnswer;
import io.distillab.judge.rps.RpsRequest;
import io.distillab.judge.stage.StageAnswer;
import io.distillab.judge.stage.StageRequest;

/**
 * A configured judge: the offline one or an LLM behind an OpenAI-compatible endpoint.
 *
 * <p>The three methods throw {@link JudgmentFailedException} when the judge answered without a
 * usable answer (recorded as {@code failed}) and {@link JudgeUnavailableException} when it could
 * not be asked at all (nothing recorded).
 */
public interface Judge {

    /** The name requests select it by ({@code offline}, {@code llm}). */
    String name();

    /** Provenance for one kind of judgment (the prompt version differs by kind). */
    JudgeInfo info(JudgmentKind kind);

    /**
     * Identity of everything that can change this judge's answers apart from the prompt version
     * and the input: provider, endpoint, model and parameters. Part of the cache key.
     */
    String configurationKey();

    StageAnswer annotateStage(StageRequest request);

    RpsAnswer scoreRps(RpsRequest request);

    EdgeAnswer validateEdge(EdgeRequest request);
}
