package io.distillab.metrics;

import io.distillab.service.support.auth.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** Only in the test application: an endpoint with a bug, to see what callers get of it. */
@Path("/api/v1/test-only/bug")
public class FailingTestResource {
    static final String SECRET = "password=hunter2 at jdbc:postgresql://db:5432/metrics";

    @RolesAllowed(Roles.READER)
    @GET
    public String bug() {
        throw new IllegalStateException(SECRET);
    }
}
