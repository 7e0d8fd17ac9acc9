package io.distillab.judge.judgment;

import io.distillab.judge.api.InvalidRequestException;
import io.distillab.judge.offline.OfflineJudge;
import io.distillab.judge.provider.LlmJudge;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The configured judges by name: {@code offline} always, {@code llm} when enabled. Created at
 * startup so that the embedding model is loaded before the first request, not during it.
 */
@Startup
@ApplicationScoped
public class JudgeRegistry {
    private static final Logger LOG = Logger.getLogger(JudgeRegistry.class);

    private final Map<String, Judge> judges = new LinkedHashMap<>();
    private final String defaultJudge;

    public JudgeRegistry(OfflineJudge offline, LlmJudge llm, JudgeSettings settings) {
        judges.put(offline.name(), offline);
        if (settings.llm().enabled()) {
            judges.put(llm.name(), llm);
        }
        defaultJudge = settings.defaultJudge();
        if (!judges.containsKey(defaultJudge)) {
            throw new IllegalStateException("distillab.judge.default-judge=" + defaultJudge
                    + " is not an enabled judge; enabled: " + judges.keySet());
        }
        LOG.infof("Judges enabled: %s; default: %s", judges.keySet(), defaultJudge);
    }

    /** The judge a request names, or the default one. */
    public Judge select(String name, String field) {
        if (name == null || name.isBlank()) {
            return judges.get(defaultJudge);
        }
        Judge judge = judges.get(name.trim());
        if (judge == null) {
            throw new InvalidRequestException(field, "unknown or disabled judge '" + name + "'; enabled: "
                    + String.join(", ", judges.keySet()));
        }
        return judge;
    }

    public Judge defaultJudge() {
        return judges.get(defaultJudge);
    }
}
