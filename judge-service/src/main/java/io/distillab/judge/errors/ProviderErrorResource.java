package io.distillab.judge.errors;

import io.distillab.judge.api.InvalidRequestException;
import io.distillab.service.support.auth.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** What went wrong with the provider: counts by error kind and the latest errors. */
@RolesAllowed(Roles.READER)
@Path("/api/v1/provider-errors")
@Tag(name = "provider-errors")
public class ProviderErrorResource {
    private static final int MAX_LIMIT = 1000;

    private final ProviderErrorLog log;

    public ProviderErrorResource(ProviderErrorLog log) {
        this.log = log;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Provider errors (judgments that could not be asked) by kind, and the latest ones")
    public ProviderErrorLog.Summary list(
            @QueryParam("since") @DefaultValue("PT24H") String since,
            @QueryParam("limit") @DefaultValue("100") int limit) {
        Duration window;
        try {
            window = Duration.parse(since);
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException("since", "must be an ISO-8601 duration such as PT1H, got " + since);
        }
        if (window.isNegative() || window.isZero()) {
            throw new InvalidRequestException("since", "must be positive, got " + since);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidRequestException("limit", "must be from 1 to " + MAX_LIMIT + ", got " + limit);
        }
        return log.since(Instant.now().minus(window), limit);
    }
}
