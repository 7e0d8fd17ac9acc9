package io.distillab.judge.rps;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Style, Structure and Alignment, integers 1..5, their mean, and a one-sentence reason. */
@Schema(description = "RPS scores of two message groups")
@JsonIgnoreProperties(value = "overall", allowGetters = true)
public record RpsAnswer(
        @Schema(required = true, minimum = "1", maximum = "5") int style,
        @Schema(required = true, minimum = "1", maximum = "5") int structure,
        @Schema(required = true, minimum = "1", maximum = "5") int alignment,
        @Schema(required = true, description = "One sentence; the offline judge's start with 'Offline judge'")
        String reason) {

    public static final int MIN = 1;
    public static final int MAX = 5;

    /** SPEC section 5: Overall is the mean of the three scores. */
    @JsonProperty("overall")
    @Schema(required = true, description = "Mean of style, structure and alignment (SPEC's Overall)")
    public double overall() {
        return (style + structure + alignment) / 3.0;
    }
}
