-- Outage recovery (services/forecast, docs/forecast.md "Outages"). While Lexi is unreachable the
-- worker gives backlog bars back without writing a row (`held` counts how often); live bars are
-- written fail-closed and their job is marked for re-enrichment (`reenrich` says why). Once Lexi
-- answers, a re-enricher fills in their features.llm (flagged late) and clears the mark.

ALTER TABLE forecast_jobs
  ADD COLUMN held               integer NOT NULL DEFAULT 0,
  ADD COLUMN reenrich           text,
  ADD COLUMN reenrich_attempts  integer NOT NULL DEFAULT 0,
  ADD COLUMN reenrich_lease_until timestamptz,
  ADD COLUMN reenrich_error     text,
  ADD COLUMN reenriched_at      timestamptz;

-- The re-enricher scans marked rows oldest bar first.
CREATE INDEX forecast_jobs_reenrich_idx ON forecast_jobs (asof, symbol) WHERE reenrich IS NOT NULL;
