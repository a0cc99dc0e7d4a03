-- Operator console (services/admin, docs/console.md): login sessions, and the indexes its paginated
-- views filter on, so every page is an index range scan also with 100,000 forecasts.

-- One row per console login. The cookie holds a random id; only its sha256 is stored, so a copy of
-- this table does not let anyone in. `token_fp` is the fingerprint of the admin token used to log
-- in: a session whose token is no longer configured (rotated or removed) is refused.
CREATE TABLE console_sessions (
  id_digest  text        PRIMARY KEY,
  actor      text        NOT NULL,
  token_fp   text        NOT NULL,
  csrf       text        NOT NULL,
  address    text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
-- Expired rows are deleted at each login.
CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);

-- Decisions view: newest first (keyset on id), optionally one symbol, one verdict or one mode.
CREATE INDEX forecasts_symbol_id_idx ON forecasts (symbol, id DESC);
CREATE INDEX forecasts_policy_effective_id_idx ON forecasts ((features->'llm'->'policy'->>'effective'), id DESC);
CREATE INDEX forecasts_policy_mode_id_idx ON forecasts ((features->'llm'->'policy'->>'mode'), id DESC);

-- Audit view: newest first (keyset on id), optionally one action.
CREATE INDEX audit_log_action_id_idx ON audit_log (action, id DESC);

-- Outcomes chart: orders by creation time.
CREATE INDEX orders_created_idx ON orders (created_at);
