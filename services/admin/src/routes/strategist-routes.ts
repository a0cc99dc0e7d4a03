import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { Db } from '@pulsetrade/db'
import { ApiError, actorOf, NotFoundError, type ZodTypeProvider } from '@pulsetrade/http'
import {
  createStateChangeQueue,
  getTradingState,
  ResumeAcknowledgementRequiredError,
  resume,
  startPanicExit,
  TradingBusyError,
  type Broker,
  type RiskLimits,
} from '@pulsetrade/trading'

/** Characters that show nothing: whitespace, controls, format characters (zero-width space, joiners, BOM ...), separators. */
const INVISIBLE = /[\s\p{Cc}\p{Cf}\p{Z}\u115f\u1160\u3164\uffa0\u2800]/gu
export const visibleLength = (s: string): number => [...s.replace(INVISIBLE, '')].length

const Reason = z
  .string()
  .trim()
  .max(500)
  .refine((r) => !r.includes('\u0000'), 'must not contain NUL characters')
  .refine((r) => visibleLength(r) >= 3, 'must have at least 3 visible characters (spaces and zero-width characters do not count)')
const ReasonBody = z.strictObject({ reason: Reason })
const ResumeBody = z.strictObject({
  reason: Reason,
  /** Required (true) after a panic exit that did not finish: re-arm although positions are still open. */
  acknowledge_open_positions: z.boolean().optional(),
})
const PanicReply = z.object({ exit_id: z.string(), state: z.literal('HALTED'), created: z.boolean() })
const StateReply = z.object({
  state: z.enum(['ACTIVE', 'HALTED', 'REDUCING']),
  reason: z.string(),
  changed_by: z.string(),
  changed_at: z.string(),
  exit_id: z.string().nullable(),
  exit: z
    .object({
      exit_id: z.string(),
      status: z.string(),
      reason: z.string(),
      requested_by: z.string(),
      report: z.record(z.string(), z.unknown()),
      created_at: z.string(),
      finished_at: z.string().nullable(),
    })
    .nullable()
    .optional(),
})

const iso = (d: Date | null): string | null => (d === null ? null : new Date(d).toISOString())

export interface StrategistRoutesOptions {
  db: Db
  broker: Broker
  limits: RiskLimits
  logger: Logger
  /** ENABLE_PANIC_EXIT: the panic route answers 404 unless set. */
  enablePanicExit: boolean
  /** STRATEGIST_LOCK_TIMEOUT_MS: budget of one state change (queue + trading_state lock). */
  lockTimeoutMs: number
  /** PANIC_FLATTEN_LOCK_TIMEOUT_MS: longest wait of the flatten for one position row. */
  flattenLockTimeoutMs?: number
}

/** A state change that could not start in time: 503 with Retry-After, nothing changed. */
export class StrategistBusyError extends ApiError {
  override code = 'TRADING_ERR_BUSY'
  constructor(err: TradingBusyError) {
    super(503, err.message, { headers: { 'retry-after': String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))) }, cause: err })
  }
}

/** Resume after an exit that did not finish: 409 listing the positions still open. */
export class AcknowledgementRequiredError extends ApiError {
  override code = 'TRADING_ERR_ACK_REQUIRED'
  constructor(err: ResumeAcknowledgementRequiredError) {
    super(409, `${err.message}: send "acknowledge_open_positions": true`, {
      details: { exit_id: err.exitId, exit_status: err.exitStatus, open_positions: err.openPositions },
      cause: err,
    })
  }
}

const busyAs503 = (err: unknown): never => {
  if (err instanceof TradingBusyError) throw new StrategistBusyError(err)
  if (err instanceof ResumeAcknowledgementRequiredError) throw new AcknowledgementRequiredError(err)
  throw err
}

/**
 * /strategist/*: trading state, panic exit (flatten everything, HALTED) and the audited resume.
 * State changes of this process go through one queue before they take a connection, so a burst of
 * calls waits in memory rather than on pooled connections; a change that cannot start within its
 * budget answers 503 with Retry-After. Joining a running exit and refusing a resume while it runs
 * skip the queue.
 */
export async function strategistRoutes(scope: FastifyInstance, opts: StrategistRoutesOptions): Promise<void> {
  const app = scope.withTypeProvider<ZodTypeProvider>()
  const queue = createStateChangeQueue({ timeoutMs: opts.lockTimeoutMs })
  const running = new Set<Promise<unknown>>()
  app.addHook('onClose', async () => {
    await Promise.allSettled([...running])
  })

  app.post(
    '/strategist/panic-exit',
    {
      config: { audit: 'strategist.panic_exit' },
      // Checked before the body: a disabled panic route is absent, whatever is sent.
      preValidation: async () => {
        if (!opts.enablePanicExit) throw new NotFoundError('panic exit is disabled (set ENABLE_PANIC_EXIT=1 to enable it)')
      },
      schema: {
        tags: ['strategist'],
        summary: 'HALT trading, cancel open orders and flatten every position (202; idempotent; 503 + Retry-After when busy)',
        body: ReasonBody,
        response: { 202: PanicReply },
      },
    },
    async (req, reply) => {
      const start = await startPanicExit(opts.db, {
        reason: req.body.reason,
        actor: actorOf(req),
        broker: opts.broker,
        limits: opts.limits,
        logger: opts.logger,
        queue,
        ...(opts.flattenLockTimeoutMs === undefined ? {} : { flattenLockTimeoutMs: opts.flattenLockTimeoutMs }),
      }).catch(busyAs503)
      const done = start.done.finally(() => running.delete(done))
      running.add(done)
      return reply.code(202).send({ exit_id: start.exit_id, state: start.state, created: start.created })
    },
  )

  app.get(
    '/strategist/state',
    {
      config: { audit: 'strategist.state' },
      schema: { tags: ['strategist'], summary: 'Trading state and the panic exit behind a HALT', response: { 200: StateReply } },
    },
    async () => {
      const s = await getTradingState(opts.db)
      return {
        ...s,
        changed_at: iso(s.changed_at)!,
        exit: s.exit === null ? null : { ...s.exit, created_at: iso(s.exit.created_at)!, finished_at: iso(s.exit.finished_at) },
      }
    },
  )

  app.post(
    '/strategist/resume',
    {
      config: { audit: 'strategist.resume' },
      schema: {
        tags: ['strategist'],
        summary:
          'Re-arm trading (never automatic; 409 while a panic exit runs, and after one that did not finish unless acknowledge_open_positions is true; 503 + Retry-After when busy)',
        body: ResumeBody,
        response: { 200: StateReply },
      },
    },
    async (req) => {
      const s = await resume(
        opts.db,
        { actor: actorOf(req), reason: req.body.reason, acknowledgeOpenPositions: req.body.acknowledge_open_positions === true },
        { queue },
      ).catch(busyAs503)
      return { ...s, changed_at: iso(s.changed_at)! }
    },
  )
}
