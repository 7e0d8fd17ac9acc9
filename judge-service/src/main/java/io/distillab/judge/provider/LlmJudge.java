package io.distillab.judge.provider;

import io.distillab.judge.edge.EdgeAnswer;
import io.distillab.judge.edge.EdgeAnswerParser;
import io.distillab.judge.edge.EdgePromptText;
import io.distillab.judge.edge.EdgeRequest;
import io.distillab.judge.edge.EdgeValidationAi;
import io.distillab.judge.judgment.ErrorKind;
import io.distillab.judge.judgment.Hashing;
import io.distillab.judge.judgment.Judge;
import io.distillab.judge.judgment.JudgeInfo;
import io.distillab.judge.judgment.JudgeSettings;
import io.distillab.judge.judgment.JudgeUnavailableException;
import io.distillab.judge.judgment.JudgmentFailedException;
import io.distillab.judge.judgment.JudgmentKind;
import io.distillab.judge.rps.RpsAnswer;
import io.distillab.judge.rps.RpsAnswerParser;
import io.distillab.judge.rps.RpsRequest;
import io.distillab.judge.rps.RpsScoringAi;
import io.distillab.judge.stage.StageAnnotationAi;
import io.distillab.judge.stage.StageAnswer;
import io.distillab.judge.stage.StageAnswerParser;
import io.distillab.judge.stage.StageRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

/**
 * The LLM judge: the three AI services against the configured OpenAI-compatible endpoint
 * (OpenAI, vLLM, llama.cpp server, LM Studio, Ollama at {@code /v1}, ...).
 *
 * <p>Each answer is validated; a malformed one is asked again once, with the parse error, and
 * if the second answer is malformed too the judgment is recorded as failed. Nothing is guessed.
 */
@ApplicationScoped
public class LlmJudge implements Judge {
    public static final String NAME = "llm";
    private static final Logger LOG = Logger.getLogger(LlmJudge.class);

    private final StageAnnotationAi stages;
    private final RpsScoringAi rps;
    private final EdgeValidationAi edges;
    private final ProviderGuard guard;
    private final String provider;
    private final String model;
    private final Map<String, Object> parameters;
    private final String configurationKey;

    public LlmJudge(StageAnnotationAi stages, RpsScoringAi rps, EdgeValidationAi edges, ProviderGuard guard,
            JudgeSettings settings,
            @ConfigProperty(name = "quarkus.langchain4j.openai.base-url") String baseUrl,
            @ConfigProperty(name = "quarkus.langchain4j.openai.chat-model.model-name") String model,
            @ConfigProperty(name = "quarkus.langchain4j.openai.chat-model.temperature") double temperature,
            @ConfigProperty(name = "quarkus.langchain4j.openai.chat-model.top-p", defaultValue = "1.0") double topP,
            @ConfigProperty(name = "quarkus.langchain4j.openai.chat-model.max-tokens") Optional<Integer> maxTokens) {
        this.stages = stages;
        this.rps = rps;
        this.edges = edges;
        this.guard = guard;
        this.provider = settings.llm().provider();
        this.model = model;
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("temperature", temperature);
        params.put("top_p", topP);
        maxTokens.ifPresent(m -> params.put("max_tokens", m));
        this.parameters = Map.copyOf(params);
        // The endpoint is part of the identity (the same model name on two servers may differ);
        // the API key is not, and never leaves the REST client.
        String endpoint = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.configurationKey = Hashing.hashOf(Map.of("provider", provider, "endpoint", endpoint, "model", model,
                "parameters", parameters));
        if (settings.llm().enabled()) {
            LOG.infof("LLM judge: provider %s, endpoint %s, model %s, parameters %s", provider, endpoint, model,
                    parameters);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public JudgeInfo info(JudgmentKind kind) {
        String version = switch (kind) {
            case STAGE -> StageAnnotationAi.PROMPT_VERSION;
            case RPS -> RpsScoringAi.PROMPT_VERSION;
            case EDGE -> EdgeValidationAi.PROMPT_VERSION;
        };
        return new JudgeInfo(NAME, provider, model, parameters, version, false);
    }

    @Override
    public String configurationKey() {
        return configurationKey;
    }

    @Override
    public StageAnswer annotateStage(StageRequest r) {
        return askValidated(() -> stages.annotate(r.text()),
                (previous, error) -> stages.annotateAgain(r.text(), previous, error),
                StageAnswerParser::parse);
    }

    @Override
    public RpsAnswer scoreRps(RpsRequest r) {
        String a = numbered(r.messagesA());
        String b = numbered(r.messagesB());
        String stage = r.stage().wire();
        return askValidated(() -> rps.score(stage, a, b),
                (previous, error) -> rps.scoreAgain(stage, a, b, previous, error),
                RpsAnswerParser::parse);
    }

    @Override
    public EdgeAnswer validateEdge(EdgeRequest r) {
        String source = EdgePromptText.call(r.source());
        String target = EdgePromptText.call(r.target());
        String before = EdgePromptText.messages(r.messagesBefore());
        return askValidated(
                () -> edges.validate(r.value(), source, r.source().output(), target, before),
                (previous, error) -> edges.validateAgain(r.value(), source, r.source().output(), target, before,
                        previous, error),
                EdgeAnswerParser::parse);
    }

    /** Asks; on a malformed answer asks once more with the parse error; then gives up (failed). */
    private <A> A askValidated(Supplier<String> ask, BiFunction<String, String, String> askAgain,
            Function<String, A> parse) {
        String first = call(ask);
        try {
            return parse.apply(first);
        } catch (MalformedAnswerException firstError) {
            LOG.debugf("Malformed answer, asking again: %s", firstError.getMessage());
            String second = call(() -> askAgain.apply(first, firstError.getMessage()));
            try {
                return parse.apply(second);
            } catch (MalformedAnswerException secondError) {
                throw new JudgmentFailedException(ErrorKind.MALFORMED_ANSWER, "malformed answer twice; first: " + firstError.getMessage()
                        + "; second: " + secondError.getMessage() + "; last answer: "
                        + ProviderErrors.abbreviate(SecretRedaction.redact(second), 300));
            }
        }
    }

    private String call(Supplier<String> request) {
        try {
            return guard.call(request);
        } catch (CircuitBreakerOpenException e) {
            throw new JudgeUnavailableException(ErrorKind.CIRCUIT_OPEN, "circuit breaker open: the provider failed "
                    + "repeatedly; calls resume after the breaker's delay", e);
        } catch (ProviderException e) {
            throw new JudgeUnavailableException(e.kind(),
                    (e instanceof TransientProviderException ? "provider kept failing after retries: "
                            : "provider refused the request: ") + e.getMessage(), e);
        }
    }

    private static String numbered(List<String> messages) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < messages.size(); i++) {
            sb.append('[').append(i + 1).append("] ").append(messages.get(i)).append('\n');
        }
        return sb.toString().stripTrailing();
    }
}
