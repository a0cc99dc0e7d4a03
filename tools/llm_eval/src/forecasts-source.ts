import { LlmInputsSchema } from '@pulsetrade/llm'
import type { Db } from '@pulsetrade/db'
import { EvalSourceError } from './errors'
import type { EvalItem } from './eval-item'

export interface ForecastItems {
  items: EvalItem[]
  /** Rows whose stored features.llm.inputs fail the LlmInputs contract (left out). */
  skipped: number
}

export interface ReadForecastOptions {
  limit?: number | null
  /** Only rows whose realized_return is known (what a dataset for outcome metrics needs). */
  resolvedOnly?: boolean
}

interface Row {
  model_version: string
  horizon: number
  inputs: unknown
  realized_return: number | null
}

/** A stable item id (the forecasts' unique key), so a re-export of the same history is byte-identical. */
export const forecastItemId = (symbol: string, asof: string, horizon: number, modelVersion: string): string => `${symbol}|${asof}|h${horizon}|${modelVersion}`

/**
 * The replayable history: features.llm.inputs of stored forecasts (exactly what the prompts were
 * rendered from), oldest first, with realized_return where the forecast has been resolved.
 * Item ids are `symbol|asof|h<horizon>|<model_version>` (forecastItemId).
 */
export async function readForecastItems(db: Db, opts: ReadForecastOptions = {}): Promise<ForecastItems> {
  const where = ["features ? 'llm'", "jsonb_typeof(features->'llm'->'inputs') = 'object'"]
  if (opts.resolvedOnly) where.push('realized_return IS NOT NULL')
  const params: unknown[] = []
  let limit = ''
  if (opts.limit != null) {
    params.push(opts.limit)
    limit = `LIMIT $${params.length}`
  }
  let rows: Row[]
  try {
    const res = await db.query<Row>(
      `SELECT model_version, horizon, features->'llm'->'inputs' AS inputs, realized_return
         FROM forecasts WHERE ${where.join(' AND ')}
        ORDER BY asof, symbol, horizon, model_version ${limit}`,
      params,
    )
    rows = res.rows
  } catch (err) {
    throw new EvalSourceError(`cannot read forecasts: ${(err as Error).message}`, { cause: err })
  }
  const items: EvalItem[] = []
  let skipped = 0
  for (const row of rows) {
    const inputs = LlmInputsSchema.safeParse(row.inputs)
    if (!inputs.success) {
      skipped++
      continue
    }
    const id = forecastItemId(inputs.data.symbol, inputs.data.asof, row.horizon, row.model_version)
    items.push({ id, inputs: inputs.data, realized_return: row.realized_return })
  }
  return { items, skipped }
}
