package io.distillab.service.support.auth;

import io.distillab.service.support.paging.Page;
import io.distillab.service.support.paging.PageRequest;
import jakarta.ws.rs.QueryParam;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * API keys of this service, for admins: make one for a service or a CI job (the key is answered
 * once, only its hash is kept), list them, revoke one.
 */
@Path("/api/v1/api-keys")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
@Blocking
public class ApiKeyResource {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    public record NewKey(String name, String role) {
    }

    public record CreatedKey(String name, String role, String key) {
    }

    private final ApiKeyStore store;

    ApiKeyResource(DataSource dataSource) {
        this.store = new ApiKeyStore(dataSource);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(NewKey request) throws SQLException {
        if (request == null || request.name() == null || !NAME.matcher(request.name()).matches()) {
            return invalid("name", "required: 1 to 100 of letters, digits, '.', '_', '-'");
        }
        if (request.role() == null || !Roles.isRole(request.role())) {
            return invalid("role", "must be one of reader, writer, admin");
        }
        String key = ApiKeys.generate();
        if (!store.insert(request.name(), request.role(), ApiKeys.hash(key))) {
            return SecurityProblemMappers.problem(409, "conflict", "Conflict",
                    "name: a key named '" + request.name() + "' exists; delete it first");
        }
        return Response.created(URI.create("/api/v1/api-keys/" + request.name()))
                .entity(new CreatedKey(request.name(), request.role(), key)).build();
    }

    /** A page of the keys by name (an admin's handful: paged in memory like every other list is in SQL). */
    @GET
    public Page<ApiKeyStore.StoredKey> list(@QueryParam("page") Integer page, @QueryParam("size") Integer size)
            throws SQLException {
        return Page.slice(store.list(), PageRequest.of(page, size));
    }

    @DELETE
    @Path("{name}")
    public Response delete(@PathParam("name") String name) throws SQLException {
        if (!store.delete(name)) {
            return SecurityProblemMappers.problem(404, "not-found", "Not found", "no API key named '" + name + "'");
        }
        return Response.noContent().build();
    }

    private static Response invalid(String field, String message) {
        Response r = SecurityProblemMappers.problem(400, "invalid-request", "Invalid request", field + ": " + message);
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> body = (java.util.Map<String, Object>) r.getEntity();
        body.put("field", field);
        return r;
    }
}
