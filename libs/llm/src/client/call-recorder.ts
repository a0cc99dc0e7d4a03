import { createBatcher, type Db } from '@pulsetrade/db'
import type { Logger } from 'pino'

/** One upstream attempt, as stored in llm_calls. */
export interface CallRow {
  prompt: string
  version: string
  arm: string | null
  upstream: string
  attempt: number
  latency_ms: number
  prompt_tokens: number | null
  completion_tokens: number | null
  ok: boolean
  error_code: string | null
  request_id: string
}

export interface CallRecorder {
  /** Queues the row; returns at once. Rows are written in batches in the background. */
  record: (row: CallRow) => void
  /** Resolves once every queued row has been written (or its failure logged). */
  flush: () => Promise<void>
}

const BATCH = 500

/**
 * Writes llm_calls rows off the caller's path: record() never waits on Postgres, rows queued while a
 * write runs go in the next multi-row INSERT. A failed write is logged with its error and counted,
 * never thrown into an LLM call.
 */
export function createCallRecorder(db: Db, log: Logger, onWriteError: (rows: number) => void): CallRecorder {
  const batch = createBatcher<CallRow, void>({
    maxBatch: BATCH,
    run: async (rows) => {
      const col = <K extends keyof CallRow>(k: K): Array<CallRow[K]> => rows.map((r) => r[k])
      try {
        await db.query(
          `INSERT INTO llm_calls (prompt, version, arm, upstream, attempt, latency_ms, prompt_tokens,
           completion_tokens, ok, error_code, request_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::float8[],
           $7::int[], $8::int[], $9::bool[], $10::text[], $11::text[])`,
          [
            col('prompt'),
            col('version'),
            col('arm'),
            col('upstream'),
            col('attempt'),
            col('latency_ms'),
            col('prompt_tokens'),
            col('completion_tokens'),
            col('ok'),
            col('error_code'),
            col('request_id'),
          ],
        )
      } catch (err) {
        onWriteError(rows.length)
        log.error({ error: { message: (err as Error).message, code: (err as { code?: unknown }).code }, rows: rows.length }, 'llm_calls write failed')
      }
      return []
    },
  })

  return {
    record: (row) => {
      void batch.submit(row)
    },
    flush: batch.idle,
  }
}
