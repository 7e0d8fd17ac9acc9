-- trainer-service schema (in its own PostgreSQL schema "trainer", with its own Flyway history table
-- trainer_flyway_history): jobs with their queue state, state transitions, and per-step metrics.

-- A job is also its own queue entry: status queued -> running -> succeeded | failed | cancelled.
-- A worker claims a queued row (or a running one whose lease expired: its replica died) with
-- FOR UPDATE SKIP LOCKED, and keeps lease_expires_at in the future by heartbeats while it trains.
-- device: the slot it needs ('cuda' a GPU, 'cpu' a CPU slot, 'auto' either).
CREATE TABLE job (
    id                   BIGSERIAL PRIMARY KEY,
    name                 TEXT,
    parameters           TEXT NOT NULL,
    data_file            TEXT NOT NULL,
    data_format          TEXT,
    device               TEXT NOT NULL CHECK (device IN ('cpu', 'cuda', 'auto')),
    status               TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    total_steps          BIGINT NOT NULL,
    step                 BIGINT NOT NULL DEFAULT 0,
    checkpoint_step      BIGINT,
    final_loss           DOUBLE PRECISION,
    error                TEXT,
    attempts             INT NOT NULL DEFAULT 0,
    cancel_requested     BOOLEAN NOT NULL DEFAULT false,
    lease_owner          TEXT,
    lease_expires_at     TIMESTAMPTZ,
    placement            TEXT,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at           TIMESTAMPTZ,
    finished_at          TIMESTAMPTZ
);
CREATE INDEX job_claimable ON job (created_at) WHERE status IN ('queued', 'running');
CREATE INDEX job_status ON job (status);

-- Every change of a job's status, with who made it and why (claimed, lease expired, cancelled ...).
CREATE TABLE job_transition (
    id          BIGSERIAL PRIMARY KEY,
    job_id      BIGINT NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    owner       TEXT,
    reason      TEXT,
    at          TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX job_transition_job ON job_transition (job_id, id);

-- One row per step: the metrics line as the engine wrote it, with the numbers queries and meters
-- need. A job resumed from a checkpoint runs the steps after it again; their rows are replaced.
CREATE TABLE job_step (
    job_id       BIGINT NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    step         BIGINT NOT NULL,
    loss         DOUBLE PRECISION NOT NULL,
    tokens       BIGINT NOT NULL,
    tokens_per_s DOUBLE PRECISION NOT NULL,
    metrics      TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, step)
);
