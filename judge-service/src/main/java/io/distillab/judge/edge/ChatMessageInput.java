package io.distillab.judge.edge;

import io.distillab.judge.api.Violations;
import java.util.Locale;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One chat message before the target call. */
@Schema(description = "A chat message: role and text")
public record ChatMessageInput(
        @Schema(required = true, enumeration = {"system", "user", "assistant", "tool"}) String role,
        @Schema(description = "The text (may be empty for an assistant turn that only calls tools)") String content) {

    static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    /** SPEC rule 2 looks only at what the system and the user said. */
    public boolean fromSystemOrUser() {
        String r = role == null ? "" : role.toLowerCase(Locale.ROOT);
        return r.equals("system") || r.equals("user");
    }

    void validate(Violations violations, String path) {
        if (violations.present(path + ".role", role) && !ROLES.contains(role.toLowerCase(Locale.ROOT))) {
            violations.add(path + ".role", "must be one of system, user, assistant, tool");
        }
    }
}
