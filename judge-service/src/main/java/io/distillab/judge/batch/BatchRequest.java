package io.distillab.judge.batch;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Many judgment requests of one kind; each item is exactly the body of the single endpoint. */
@Schema(description = "A batch: items are exactly the bodies the single endpoint takes")
public record BatchRequest<T>(
        @Schema(required = true, description = "The requests; results stream back as each completes") List<T> items) {
}
