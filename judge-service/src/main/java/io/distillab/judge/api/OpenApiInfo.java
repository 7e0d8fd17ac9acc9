package io.distillab.judge.api;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The API's description in /q/openapi. */
@OpenAPIDefinition(
        info = @Info(title = "DistilLab judge-service", version = "v1", description = """
                Judgments for DistilLab's metrics (SPEC section 5): the stage of an assistant message, RPS \
                scores (Style, Structure, Alignment, 1..5) of two models' messages of one stage, and \
                validation of dependency edges (genuine or prior_knowledge). Every judgment names the judge, \
                provider, model, parameters and prompt version that made it, and is cached: the same input \
                is never judged twice under the same judge configuration. Errors are \
                application/problem+json; 400s name the rejected field. Batch endpoints take {"items": [...]} \
                and stream application/x-ndjson lines {"index", "judgment"} as each item completes."""),
        tags = {
                @Tag(name = "stages", description = "Stage annotation of assistant messages"),
                @Tag(name = "rps", description = "Response pattern similarity of stage-aligned message groups"),
                @Tag(name = "edges", description = "Validation of candidate dependency edges")
        })
public class OpenApiInfo extends Application {
}
