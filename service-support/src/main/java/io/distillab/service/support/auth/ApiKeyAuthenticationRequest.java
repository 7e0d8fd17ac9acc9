package io.distillab.service.support.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** An API key presented as {@code Authorization: Bearer dlk_...}. */
public final class ApiKeyAuthenticationRequest extends BaseAuthenticationRequest {
    private final String key;

    public ApiKeyAuthenticationRequest(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** Never the key: requests may end up in debug logs. */
    @Override
    public String toString() {
        return "ApiKeyAuthenticationRequest[key=dlk_***]";
    }
}
