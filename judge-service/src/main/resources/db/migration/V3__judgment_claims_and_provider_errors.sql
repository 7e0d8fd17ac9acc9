-- "Never judged twice" across replicas (cache/OncePerInput): a replica claims an input's cache key
-- here before it asks a judge; the holder writes the judgment and deletes its claim in one
-- transaction. A claim whose holder stopped renewing it (a dead replica) is taken over once
-- expires_at has passed.
create table judgment_claim (
    cache_key   varchar(64)  primary key,   -- judgment.cache_key of the input being judged
    holder      varchar(200) not null,      -- the replica: host, process id and a random part
    claimed_at  timestamptz  not null,
    expires_at  timestamptz  not null       -- renewed by the holder every third of the lease
);
create index judgment_claim_holder_idx on judgment_claim (holder);

-- Why a failed judgment failed: malformed_answer (LLM) or no_decision (offline edge rule).
alter table judgment add column error_kind varchar(32);
update judgment set error_kind = case when provider = 'offline' then 'no_decision' else 'malformed_answer' end
    where status = 'failed';

-- Judgments are now written with plain SQL (insert ... on conflict do nothing) that takes its id
-- here. The sequence keeps its increment of 50: a replica of the previous version, still running
-- during a rolling upgrade, uses the 50 ids below each value it draws, and this never collides.
alter table judgment alter column id set default nextval('judgment_id_seq');

-- Every time a judge could not be asked (nothing is cached then), with its kind, for operators:
-- GET /api/v1/provider-errors and the counter distillab_judge_provider_errors_total{error_kind}.
create table provider_error (
    id              bigserial    primary key,
    cache_key       varchar(64)  not null,
    kind            varchar(16)  not null,   -- stage | rps | edge
    judge_name      varchar(64)  not null,
    provider        varchar(128) not null,
    model           varchar(256) not null,
    prompt_version  varchar(64)  not null,
    input_hash      varchar(64)  not null,
    error_kind      varchar(32)  not null,   -- rate_limited | server_error | timeout | ... (ErrorKind)
    message         text         not null,   -- never the request, never the API key
    holder          varchar(200) not null,   -- the replica that met it
    created_at      timestamptz  not null default now()
);
create index provider_error_created_idx on provider_error (created_at);
