-- Initial schema (design section 4). Forward-only: never edit a published migration, add a new one.

CREATE TABLE market_bars (
  symbol     text        NOT NULL,
  ts         timestamptz NOT NULL,
  open       double precision NOT NULL,
  high       double precision NOT NULL,
  low        double precision NOT NULL,
  close      double precision NOT NULL,
  volume     double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (symbol, ts)
);

CREATE TABLE forecasts (
  id              bigserial PRIMARY KEY,
  symbol          text        NOT NULL,
  asof            timestamptz NOT NULL,
  horizon         integer     NOT NULL CHECK (horizon > 0),
  model_version   text        NOT NULL,
  mu              double precision NOT NULL,
  sigma           double precision NOT NULL,
  p_up            double precision NOT NULL,
  q05             double precision NOT NULL,
  q95             double precision NOT NULL,
  features        jsonb       NOT NULL,
  realized_return double precision,
  resolved_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (symbol, asof, horizon, model_version)
);
CREATE INDEX forecasts_created_at_idx ON forecasts (created_at DESC);
CREATE INDEX forecasts_symbol_asof_idx ON forecasts (symbol, asof DESC);

CREATE TABLE trading_state (
  id          boolean     PRIMARY KEY DEFAULT true CHECK (id),
  state       text        NOT NULL CHECK (state IN ('ACTIVE', 'HALTED', 'REDUCING')),
  reason      text        NOT NULL DEFAULT '',
  changed_by  text        NOT NULL DEFAULT 'system',
  changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO trading_state (id, state, reason, changed_by) VALUES (true, 'ACTIVE', 'initial', 'migration');

CREATE TABLE panic_exits (
  exit_id     text        PRIMARY KEY,
  reason      text        NOT NULL,
  requested_by text       NOT NULL,
  status      text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  report      jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

CREATE TABLE orders (
  id          bigserial   PRIMARY KEY,
  forecast_id bigint      REFERENCES forecasts(id),
  symbol      text        NOT NULL,
  side        text        NOT NULL CHECK (side IN ('buy', 'sell')),
  qty         double precision NOT NULL CHECK (qty > 0),
  ref_price   double precision,
  status      text        NOT NULL CHECK (status IN ('proposed', 'denied', 'open', 'filled', 'cancelled', 'rejected')),
  gate        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  mode        text        NOT NULL DEFAULT 'enforce' CHECK (mode IN ('enforce', 'shadow', 'disabled', 'reduce_only')),
  exit_id     text        REFERENCES panic_exits(exit_id),
  fill_price  double precision,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_status_idx ON orders (status);
CREATE INDEX orders_symbol_created_idx ON orders (symbol, created_at DESC);
CREATE UNIQUE INDEX orders_forecast_once_idx ON orders (forecast_id) WHERE forecast_id IS NOT NULL;

CREATE TABLE positions (
  symbol     text        PRIMARY KEY,
  qty        double precision NOT NULL DEFAULT 0,
  avg_price  double precision NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE llm_cache (
  key        text        PRIMARY KEY,
  prompt     text        NOT NULL,
  version    text        NOT NULL,
  hash       text        NOT NULL,
  request    jsonb       NOT NULL,
  response   jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  hits       integer     NOT NULL DEFAULT 0
);

CREATE TABLE llm_calls (
  id                bigserial   PRIMARY KEY,
  prompt            text        NOT NULL,
  version           text        NOT NULL,
  arm               text,
  upstream          text,
  attempt           integer     NOT NULL DEFAULT 1,
  latency_ms        double precision NOT NULL,
  prompt_tokens     integer,
  completion_tokens integer,
  ok                boolean     NOT NULL,
  error_code        text,
  request_id        text,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_calls_created_idx ON llm_calls (created_at DESC);
CREATE INDEX llm_calls_prompt_version_idx ON llm_calls (prompt, version, created_at DESC);

CREATE TABLE audit_log (
  id         bigserial   PRIMARY KEY,
  actor      text        NOT NULL,
  action     text        NOT NULL,
  reason     text,
  details    jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);
