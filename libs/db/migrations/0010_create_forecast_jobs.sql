-- Forecast work queue (services/forecast). One row per unit of work: a bar that needs a forecast
-- from one model version. Workers claim rows with FOR UPDATE SKIP LOCKED and hold them under a
-- lease; a worker that dies stops renewing its lease and the row becomes claimable again.
-- Rows are kept after completion (status 'done') so enqueueing the same bar again is a no-op.

CREATE TABLE forecast_jobs (
  symbol        text        NOT NULL,
  asof          timestamptz NOT NULL,
  horizon       integer     NOT NULL CHECK (horizon > 0),
  model_version text        NOT NULL,
  status        text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts      integer     NOT NULL DEFAULT 0,
  locked_by     text,
  lease_until   timestamptz,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  PRIMARY KEY (symbol, asof, horizon, model_version)
);
-- Claims scan pending work oldest bar first.
CREATE INDEX forecast_jobs_pending_idx ON forecast_jobs (asof, symbol) WHERE status = 'pending';

-- The resolution step looks for forecasts whose realized return is still unknown.
CREATE INDEX forecasts_unresolved_idx ON forecasts (symbol, asof) WHERE resolved_at IS NULL;
