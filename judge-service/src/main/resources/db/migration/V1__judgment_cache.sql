-- The judgment cache: every judge answer with its provenance (SPEC section 5). One row per
-- (judge configuration, prompt version, kind, input); the service never asks a judge for an
-- input that has a row under its configuration.
-- Ids come 50 at a time (Hibernate's pooled sequence), so that inserts can be batched.
create sequence judgment_id_seq increment by 50;

create table judgment (
    id                bigint       primary key,
    -- sha256(configuration_key, prompt_version, kind, input_hash): what a lookup asks for
    cache_key         varchar(64)  not null unique,
    kind              varchar(16)  not null,   -- stage | rps | edge
    judge_name        varchar(64)  not null,   -- offline | llm
    provider          varchar(128) not null,   -- offline | openai-compatible | ollama | ...
    model             varchar(256) not null,
    parameters        jsonb        not null,   -- temperature, top_p, ... as sent
    prompt_version    varchar(64)  not null,
    -- sha256 of provider, endpoint, model and parameters (never the API key)
    configuration_key varchar(64)  not null,
    -- sha256 of the canonical JSON input
    input_hash        varchar(64)  not null,
    status            varchar(16)  not null,   -- ok | failed
    answer            jsonb,                   -- the validated answer when ok
    error             text,                    -- why it failed
    latency_ms        bigint       not null,
    created_at        timestamptz  not null default now()
);

create index judgment_input_hash_idx on judgment (input_hash);
