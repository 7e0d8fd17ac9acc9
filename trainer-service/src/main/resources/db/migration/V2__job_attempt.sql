-- Who ran each job, when, from which checkpoint, and how each run ended: one row per claim of a job
-- by a worker, written by the queue in the transaction of the claim, and closed in the transaction
-- that ends the run (finished, handed back by a stopping replica) or, when its replica died, in the
-- transaction of the claim that takes the job over. Operators read it to see where a job ran; it is
-- also the proof that a job never ran twice at once (the unique index below).
CREATE TABLE job_attempt (
    id          BIGSERIAL PRIMARY KEY,
    job_id      BIGINT NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    -- the job's attempts count with this claim; a run handed back by a stopping replica does not count,
    -- so the run after it has the same number
    attempt     INT NOT NULL,
    -- the worker (lease_owner): replica (host/pid and a random part), its start generation, its slot
    owner       TEXT NOT NULL,
    -- the newest checkpoint the job had recorded when claimed: the run resumes after this step (0: from the start)
    from_step   BIGINT NOT NULL,
    claimed_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    ended_at    TIMESTAMPTZ,
    -- the job's last recorded step when the run ended
    last_step   BIGINT,
    outcome     TEXT CHECK (outcome IN ('succeeded', 'failed', 'cancelled', 'handed back', 'lease expired')),
    CHECK ((ended_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX job_attempt_job ON job_attempt (job_id, id);
-- At most one run of a job is open at any time, whichever replicas share the database.
CREATE UNIQUE INDEX job_attempt_one_open_run ON job_attempt (job_id) WHERE ended_at IS NULL;
