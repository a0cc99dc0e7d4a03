-- Canary abort (issue 19): live outcome counters per prompt version of a split prompt (LLM_AB_BUCKETS),
-- shared by every process, and the stops the sequential test decided, with their evidence.
-- Counters are bumped by batched atomic upserts (n = n + $1), one statement per process flush.
CREATE TABLE llm_arm_stats (
  prompt         text        NOT NULL,
  version        text        NOT NULL,
  n              bigint      NOT NULL DEFAULT 0,
  failed         bigint      NOT NULL DEFAULT 0,
  invalid_json   bigint      NOT NULL DEFAULT 0,
  invalid_schema bigint      NOT NULL DEFAULT 0,
  errors         bigint      NOT NULL DEFAULT 0,
  grounded_n     bigint      NOT NULL DEFAULT 0,
  ungrounded     bigint      NOT NULL DEFAULT 0,
  latency_ms_sum double precision NOT NULL DEFAULT 0,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (prompt, version)
);

-- A stopped arm: its traffic goes to the active version until an operator resumes it.
CREATE TABLE llm_arm_stops (
  id            bigserial   PRIMARY KEY,
  prompt        text        NOT NULL,
  version       text        NOT NULL,
  metric        text        NOT NULL,
  evidence      jsonb       NOT NULL,
  stopped_at    timestamptz NOT NULL DEFAULT now(),
  resumed_at    timestamptz,
  resumed_by    text,
  resume_reason text
);
-- At most one open stop per arm (concurrent deciders: the first insert wins).
CREATE UNIQUE INDEX llm_arm_stops_open_idx ON llm_arm_stops (prompt, version) WHERE resumed_at IS NULL;
