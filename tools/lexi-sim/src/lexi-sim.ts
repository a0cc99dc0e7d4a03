import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import type { SimContext } from './context'
import { createControlListener, type SimControl } from './control-routes'
import { createEngine, type Job } from './engine'
import { createFaultGates, defaultFaults, parseFaultsPatch, type SimFaults } from './faults'
import { createLatencyModel } from './latency-model'
import { createSimMetrics } from './metrics'
import { type LexiSimOptions, resolveOptions } from './options'
import { createPrng } from './prng'
import { createRouter } from './router'
import { createScheduler } from './scheduler'
import { createSimStats, type SimStatsSnapshot } from './stats'
import { behaviourFor } from './versions'

export interface LexiSim {
  /** `http://127.0.0.1:<port>`; clients append /v1. */
  url: string
  port: number
  /** `http://127.0.0.1:<port>` of the control port (only /sim/*), null when none was asked for. */
  controlUrl: string | null
  /** Partial update; resolves once a `down` change has closed or reopened the port. */
  setFaults: (patch: Partial<SimFaults>) => Promise<SimFaults>
  resetFaults: () => Promise<SimFaults>
  faults: () => SimFaults
  stats: () => SimStatsSnapshot
  resetStats: () => void
  close: () => Promise<void>
}

export interface StartLexiSimOptions extends LexiSimOptions {
  /**
   * A second port that serves only /sim/* and stays open while the `down` fault closes the OpenAI
   * port, so the fault can be cleared over HTTP. 0 = any free port. @default null (none)
   */
  controlPort?: number | null
  /** When controlPort is taken, listen on any free port instead of failing (the CLI's default). @default false */
  controlPortFallback?: boolean
}

const listen = (server: Server, port: number, host: string): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })

const stop = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    if (!server.listening) {
      server.closeAllConnections()
      resolve()
      return
    }
    server.close(() => resolve())
    server.closeAllConnections()
  })

/** Starts a simulated Lexi (vLLM OpenAI-compatible server) on options.port (0 = any). */
export async function startLexiSim(options: StartLexiSimOptions = {}): Promise<LexiSim> {
  const opts = resolveOptions(options)
  const behaviour = behaviourFor(opts.vllmVersion)
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'lexi-sim' })
  let faults: SimFaults = { ...defaultFaults(), ...parseFaultsPatch(options.faults ?? {}) }
  const stats = createSimStats()
  let engineRef: ReturnType<typeof createEngine> | null = null
  const scheduler = createScheduler({ maxNumSeqs: opts.maxNumSeqs, policy: opts.schedulingPolicy, canAdmit: (e) => engineRef?.fits(e as Job) ?? true })
  const metrics = createSimMetrics({
    model: opts.model,
    version: behaviour.version,
    maxModelLen: opts.maxModelLen,
    sources: {
      running: () => scheduler.running,
      waiting: () => scheduler.waiting,
      kvUsage: () => (engineRef?.kvTokens() ?? 0) / (opts.kvCacheTokens ?? opts.maxNumSeqs * opts.maxModelLen),
    },
  })
  const engine = createEngine({
    scheduler,
    metrics,
    stats,
    faults: () => faults,
    knobs: opts,
    kvCacheTokens: opts.kvCacheTokens,
    latency: createLatencyModel(opts, createPrng(opts.seed ^ 0x1a7e)),
  })
  engineRef = engine
  const ctx: SimContext = { opts, behaviour, faults: () => faults, gates: createFaultGates(opts.seed), engine, scheduler, stats, metrics, logger }

  const server = createServer()
  server.keepAliveTimeout = 5_000 // uvicorn's VLLM_HTTP_TIMEOUT_KEEP_ALIVE
  let port = opts.port
  let transition: Promise<void> = Promise.resolve()
  let controlUrl: string | null = null
  const hostUrl = (p: number): string => `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${p}`

  const apply = (next: SimFaults): Promise<SimFaults> => {
    const prev = faults
    faults = next
    if (prev.wedged && !next.wedged) engine.resume()
    if (prev.down !== next.down) {
      transition = transition.then(async () => {
        if (faults.down && server.listening) {
          await stop(server)
          logger.warn({ port }, 'fault down: port closed')
        }
        if (!faults.down && !server.listening) {
          await listen(server, port, opts.host)
          logger.warn({ port }, 'fault down cleared: port reopened')
        }
      })
    }
    if (JSON.stringify(prev) !== JSON.stringify(next)) logger.info({ faults: next }, 'faults changed')
    return transition.then(() => faults)
  }
  const control: SimControl = {
    faults: () => ({ ...faults }),
    setFaults: (patch) => apply({ ...faults, ...parseFaultsPatch(patch) }),
    resetFaults: () => apply(defaultFaults()),
    stats: () => ({
      requests: stats.requests,
      completed: stats.completed,
      aborted: stats.aborted,
      rejected: stats.rejected,
      running: scheduler.running,
      waiting: scheduler.waiting,
      peakRunning: scheduler.peakRunning,
      peakWaiting: scheduler.peakWaiting,
      faults: { ...stats.faults },
      byRoute: { ...stats.byRoute },
      byPriority: { ...stats.byPriority },
      preemptions: stats.preemptions,
    }),
    resetStats: () => {
      stats.reset()
      scheduler.resetPeaks()
    },
    controlUrl: () => controlUrl,
  }
  server.on('request', createRouter(ctx, control))

  await listen(server, port, opts.host)
  port = (server.address() as AddressInfo).port
  let controlServer: Server | null = null
  if (options.controlPort !== undefined && options.controlPort !== null) {
    controlServer = createServer(createControlListener(control))
    try {
      await listen(controlServer, options.controlPort, opts.host)
    } catch (err) {
      if (!(options.controlPortFallback === true && (err as NodeJS.ErrnoException).code === 'EADDRINUSE')) {
        await stop(server)
        throw err
      }
      logger.warn({ controlPort: options.controlPort }, 'control port taken; the control routes listen on a free port instead')
      await listen(controlServer, 0, opts.host)
    }
    controlUrl = hostUrl((controlServer.address() as AddressInfo).port)
  }
  if (faults.down) await stop(server)
  const url = hostUrl(port)
  logger.info(
    { url, controlUrl, model: opts.model, root: opts.root, vllmVersion: behaviour.version, maxModelLen: opts.maxModelLen, maxNumSeqs: opts.maxNumSeqs, faults },
    'lexi-sim listening: a simulated vLLM OpenAI-compatible server (no model behind it)',
  )

  return {
    url,
    port,
    ...control,
    controlUrl,
    async close() {
      await transition
      await stop(server)
      if (controlServer !== null) await stop(controlServer)
    },
  }
}
