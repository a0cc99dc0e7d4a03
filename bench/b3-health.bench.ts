/**
 * B3 health: requests/s of the cached GET /llm/health of the api service (its buildApp, listening
 * on port 0) vs a bare route in the same process setup: a route with no logic and no schema added
 * to that same app (same server options, logger, hooks and metrics), answering the same body.
 * ratio = health rps / bare-route rps. For reference, a plain fastify instance with the same route
 * and no service plumbing is measured too (its row shows what the shared HTTP plumbing costs).
 * autocannon drives each target from a worker thread, in alternating rounds of the same run.
 *
 *   npx tsx bench/b3-health.bench.ts [--seconds 5] [--rounds 2] [--connections 32] [--pipelining 8] [--log-level warn]
 *
 * Last line: `b3-health ratio=X` (target >= 0.9).
 */
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import pino from 'pino'
import { buildApp } from '@pulsetrade/api/app'
import { loadConfig } from '@pulsetrade/api/config'
import { createPool, DEFAULT_PORT, embeddedUrl } from '@pulsetrade/db'
import { serverOptions } from '@pulsetrade/http'
import { startLexiSim } from '@pulsetrade/lexi-sim'
import { createLlmClient, loadPromptRegistry } from '@pulsetrade/llm'
import { reportBench, round } from './kit/bench-report'
import { machineInfo } from './kit/machine'

const PROMPTS = fileURLToPath(new URL('../configs/llm_prompts.yaml', import.meta.url))
const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string' },
    pipelining: { type: 'string' },
    'log-level': { type: 'string' },
  },
})
const seconds = Number(values.seconds ?? 5)
const rounds = Number(values.rounds ?? 2)
const connections = Number(values.connections ?? 32)
const pipelining = Number(values.pipelining ?? 8)
const logLevel = values['log-level'] ?? 'warn'

const machine = machineInfo()
const logger = pino({ level: logLevel }, pino.destination({ dest: '/dev/null', sync: false }))
const sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
// /llm/health never touches Postgres; the pool only satisfies buildApp and is never connected.
const dbUrl = process.env.DATABASE_URL ?? embeddedUrl(DEFAULT_PORT)
const db = createPool({ connectionString: dbUrl, max: 1 })
const config = loadConfig({ DATABASE_URL: dbUrl, LLM_BASE_URL: `${sim.url}/v1`, LLM_HEALTH_TTL_MS: '3600000', LOG_LEVEL: logLevel })
const llm = createLlmClient({ baseURL: config.LLM_BASE_URL, healthTimeoutMs: config.LLM_HEALTH_TIMEOUT_MS, logger })
const api = buildApp({ config, db, llm, prompts: loadPromptRegistry(PROMPTS), logger, metrics: [llm.metrics] })

// The bare route answers what /llm/health answers (the body is taken from the first probe).
let sample: Record<string, unknown> = {}
api.get('/bench/bare', async () => ({ ...sample }))
const first = await api.inject({ method: 'GET', url: '/llm/health' })
if (first.statusCode !== 200) throw new Error(`/llm/health is not ok against the simulator: ${first.body}`)
sample = { ...(first.json() as Record<string, unknown>), cached: true }
const plain: FastifyInstance = Fastify({ loggerInstance: logger as FastifyBaseLogger, ...serverOptions() })
plain.get('/bench/bare', async () => ({ ...sample }))

const listen = async (app: FastifyInstance): Promise<string> => {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}
const apiUrl = await listen(api)
const target = (name: string, url: string) => ({ name, url, requests: 0, seconds: 0, non2xx: 0, latencies: [] as number[], elu: [] as number[] })
const targets = [
  target('bare route, same api app', `${apiUrl}/bench/bare`),
  target('cached GET /llm/health', `${apiUrl}/llm/health`),
  target('(reference) plain fastify route', `${await listen(plain)}/bench/bare`),
]
type Target = (typeof targets)[number]

const cannon = (url: string, duration: number) => autocannon({ url, connections, pipelining, duration, workers: 1 })
try {
  for (const t of targets) await cannon(t.url, 1) // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
      const elu0 = performance.eventLoopUtilization()
      const res = await cannon(t.url, seconds)
      t.elu.push(round(performance.eventLoopUtilization(elu0).utilization, 2))
      t.requests += res.requests.total
      t.seconds += res.duration
      t.non2xx += res.non2xx + res.errors + res.timeouts
      t.latencies.push(res.latency.p50)
    }
  }
  const rps = (t: Target): number => t.requests / t.seconds
  const [bare, health, reference] = targets as [Target, Target, Target]
  if (health.non2xx > 0) throw new Error(`/llm/health answered ${health.non2xx} non-2xx responses or errors under load`)
  await reportBench(
    {
      name: 'b3-health',
      ratio: rps(health) / rps(bare),
      target: 0.9,
      better: 'higher',
      params: {
        seconds,
        rounds,
        connections,
        pipelining,
        log_level: logLevel,
        autocannon_workers: 1,
        health_vs_plain_fastify: round(rps(health) / rps(reference)),
      },
      rows: targets.map((t) => ({
        route: t.name,
        requests: t.requests,
        'req/s': Math.round(rps(t)),
        'vs bare route': round(rps(t) / rps(bare), 2),
        'p50 ms (rounds)': t.latencies.join(' / '),
        'server loop busy (rounds)': t.elu.join(' / '),
        'non-2xx or errors': t.non2xx,
      })),
      notes: [
        `${rounds} alternating rounds of ${seconds} s per route, ${connections} connections × ${pipelining} pipelined; the health answer stays cached (TTL 1 h) after one probe`,
        `upstream health probes during the run: ${sim.stats().requests} (the cache answered every other request)`,
        'server loop busy = event-loop utilisation of the serving thread (near 1: the server, not autocannon, is the limit)',
      ],
    },
    machine,
  )
} finally {
  await plain.close()
  await api.close()
  await llm.close()
  await db.end()
  await sim.close()
}
