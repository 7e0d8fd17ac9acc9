-- API keys of this service (service-support's ApiKeyStore): only the SHA-256 of each key is kept.
CREATE TABLE api_key (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('reader', 'writer', 'admin')),
    key_sha256  CHAR(64) NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);
