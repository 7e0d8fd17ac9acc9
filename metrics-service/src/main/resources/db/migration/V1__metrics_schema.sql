-- metrics-service schema: datasets of trajectories, and analyses with their queue state and results.

CREATE TABLE dataset (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Models and tasks are per dataset: a task id means something only within its benchmark.
CREATE TABLE model (
    id         BIGSERIAL PRIMARY KEY,
    dataset_id BIGINT NOT NULL REFERENCES dataset (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    UNIQUE (dataset_id, name)
);

CREATE TABLE task (
    id         BIGSERIAL PRIMARY KEY,
    dataset_id BIGINT NOT NULL REFERENCES dataset (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    UNIQUE (dataset_id, name)
);

-- One uploaded file: all of its trajectories or none of them.
CREATE TABLE upload (
    id           BIGSERIAL PRIMARY KEY,
    dataset_id   BIGINT NOT NULL REFERENCES dataset (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    format       TEXT NOT NULL,
    bytes        BIGINT NOT NULL,
    trajectories INT NOT NULL,
    skipped      INT NOT NULL DEFAULT 0,
    seconds      DOUBLE PRECISION NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- raw_record is the record as it came in (its source format); calls is the parsed trajectory as one
-- canonical chat record (core's CanonicalRecord), which analyses read back without the importers.
-- Both are text, not jsonb: they are written far more often than they are queried, and text skips
-- a second JSON parse on insert (cast to jsonb to query them ad hoc).
CREATE TABLE trajectory (
    id         BIGSERIAL PRIMARY KEY,
    dataset_id BIGINT NOT NULL REFERENCES dataset (id) ON DELETE CASCADE,
    upload_id  BIGINT NOT NULL REFERENCES upload (id) ON DELETE CASCADE,
    model_id   BIGINT NOT NULL REFERENCES model (id) ON DELETE CASCADE,
    task_id    BIGINT NOT NULL REFERENCES task (id) ON DELETE CASCADE,
    trial      INT NOT NULL,
    reward     DOUBLE PRECISION NOT NULL,
    call_count INT NOT NULL,
    raw_record TEXT NOT NULL,
    calls      TEXT NOT NULL
);
CREATE INDEX trajectory_dataset_model ON trajectory (dataset_id, model_id);
CREATE INDEX trajectory_upload ON trajectory (upload_id);

-- An analysis is also its own queue entry: status queued -> running -> done | failed. A worker
-- claims a queued row (or a running one whose lease expired: its replica died) with
-- FOR UPDATE SKIP LOCKED, and keeps lease_expires_at in the future by heartbeats while it works.
CREATE TABLE analysis (
    id               BIGSERIAL PRIMARY KEY,
    dataset_id       BIGINT NOT NULL REFERENCES dataset (id) ON DELETE CASCADE,
    parameters       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    phase            TEXT,
    progress_done    INT NOT NULL DEFAULT 0,
    progress_total   INT NOT NULL DEFAULT 0,
    error            TEXT,
    attempts         INT NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at       TIMESTAMPTZ,
    finished_at      TIMESTAMPTZ
);
CREATE INDEX analysis_claimable ON analysis (created_at) WHERE status IN ('queued', 'running');
CREATE INDEX analysis_dataset ON analysis (dataset_id);

-- Written once, in the transaction that marks the analysis done (and only by its lease owner).
CREATE TABLE analysis_result (
    analysis_id BIGINT PRIMARY KEY REFERENCES analysis (id) ON DELETE CASCADE,
    result_json TEXT NOT NULL,
    report_html TEXT NOT NULL
);
