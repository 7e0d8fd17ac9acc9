-- API keys of this service (service-support's ApiKeyStore), in the schema "trainer" like every
-- other table of the service: only the SHA-256 of each key is kept.
CREATE TABLE api_key (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('reader', 'writer', 'admin')),
    key_sha256  CHAR(64) NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);
