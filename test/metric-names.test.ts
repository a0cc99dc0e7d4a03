import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { buildApp as buildAdmin } from '@pulsetrade/admin/app'
import { loadConfig as loadAdminConfig } from '@pulsetrade/admin/config'
import { buildApp as buildAnalytics } from '@pulsetrade/analytics/app'
import { loadConfig as loadAnalyticsConfig } from '@pulsetrade/analytics/config'
import { buildApp as buildApi } from '@pulsetrade/api/app'
import { loadConfig as loadApiConfig } from '@pulsetrade/api/config'
import { buildApp as buildForecast } from '@pulsetrade/forecast/app'
import { loadConfig as loadForecastConfig } from '@pulsetrade/forecast/config'
import { createForecastRuntime } from '@pulsetrade/forecast/runtime'
import { startLexiSim, type LexiSim } from '@pulsetrade/lexi-sim'
import { clientOptionsFromEnv, createLlmClient, loadPromptRegistry } from '@pulsetrade/llm'
import { createPaperBroker } from '@pulsetrade/trading'
import { testDatabase } from './db'

// Every metric name the alert rules (deploy/prometheus/rules.yml) and the Grafana dashboard
// (deploy/grafana/pulsetrade.json) query exists on a real /metrics: the four services wired as their
// server.ts files wire them, and lexi-sim (vLLM's metric names). A renamed metric fails here instead
// of leaving an alert that can never fire.
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PROMPTS = `${ROOT}configs/llm_prompts.yaml`
/** Series Prometheus itself adds to every scrape. */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped'])
const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan'])

/** Metric names a PromQL expression selects: identifiers outside strings, label braces, ranges and grouping lists, not followed by "(". */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  return [...bare.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)].map((m) => m[1] ?? '').filter((n) => !PROMQL_WORDS.has(n.toLowerCase()))
}

/** Names a /metrics text exposes: each `# TYPE` line (present before any sample), histograms and summaries with their series. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>()
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (name === undefined) continue
    names.add(name)
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s)
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s)
  }
  return names
}

const rules = (
  parse(readFileSync(`${ROOT}deploy/prometheus/rules.yml`, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> }
).groups.flatMap((g) => g.rules)
const dashboard = JSON.parse(readFileSync(`${ROOT}deploy/grafana/pulsetrade.json`, 'utf8')) as {
  panels: Array<{ title: string; targets?: Array<{ expr: string }> }>
}
const queries = [
  ...rules.map((r) => ({ where: `rules.yml ${r.alert ?? ''}`, expr: r.expr })),
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `dashboard "${p.title}"`, expr: t.expr }))),
]

const db = await testDatabase()
const logger = pino({ level: 'silent' })
let sim: LexiSim
const apps: FastifyInstance[] = []
const closers: Array<() => Promise<void>> = []
const exposed = new Map<string, Set<string>>()

beforeAll(async () => {
  sim = await startLexiSim({ port: 0, fixedLatencyMs: 0 })
  const env = {
    DATABASE_URL: db.url,
    LLM_BASE_URL: `${sim.url}/v1`,
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: 'metric-names-admin-token-0123456789',
    LLM_PROMPTS_PATH: PROMPTS,
  }

  const apiConfig = loadApiConfig(env)
  const apiLlm = createLlmClient({ ...clientOptionsFromEnv(apiConfig), healthTimeoutMs: apiConfig.LLM_HEALTH_TIMEOUT_MS, logger, db: db.pool })
  apps.push(buildApi({ config: apiConfig, db: db.pool, llm: apiLlm, prompts: loadPromptRegistry(PROMPTS), logger, metrics: [apiLlm.metrics] }))

  const analyticsConfig = loadAnalyticsConfig(env)
  const analyticsLlm = createLlmClient({ ...clientOptionsFromEnv(analyticsConfig), logger, db: db.pool })
  apps.push(
    buildAnalytics({ config: analyticsConfig, db: db.pool, llm: analyticsLlm, prompts: loadPromptRegistry(PROMPTS), logger, metrics: [analyticsLlm.metrics] }),
  )

  const adminConfig = loadAdminConfig(env)
  const adminLlm = createLlmClient({ ...clientOptionsFromEnv(adminConfig), logger, db: db.pool })
  const broker = createPaperBroker({ db: db.pool, slippageBps: adminConfig.PAPER_SLIPPAGE_BPS })
  apps.push(buildAdmin({ config: adminConfig, db: db.pool, llm: adminLlm, prompts: loadPromptRegistry(PROMPTS), broker, logger, metrics: [adminLlm.metrics] }))

  const forecastMetrics = new Registry()
  const runtime = createForecastRuntime({ config: loadForecastConfig(env), db: db.pool, logger, metrics: forecastMetrics })
  apps.push(buildForecast({ db: db.pool, llm: runtime.llm, logger, metrics: [forecastMetrics, runtime.llm.metrics], status: runtime.worker.status }))

  closers.push(
    () => apiLlm.close(),
    () => analyticsLlm.close(),
    () => adminLlm.close(),
  )
  for (const [name, app] of [
    ['api', apps[0]],
    ['analytics', apps[1]],
    ['admin', apps[2]],
    ['forecast', apps[3]],
  ] as const) {
    const res = await app!.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode, name).toBe(200)
    exposed.set(name, exposedNames(res.body))
  }
  const res = await fetch(`${sim.url}/metrics`)
  expect(res.status).toBe(200)
  exposed.set('lexi', exposedNames(await res.text()))
})

afterAll(async () => {
  for (const app of apps) await app.close()
  for (const close of closers) await close()
  await sim?.close()
})

describe('metric names in deploy/', () => {
  test('the PromQL name extraction finds the selectors and nothing else', () => {
    expect(
      metricNames('sum by (job, le) (rate(vllm:e2e_request_latency_seconds_bucket{job="lexi", le=~"1.*"}[5m])) > 0.95 and on (job) up offset 10m'),
    ).toEqual(['vllm:e2e_request_latency_seconds_bucket', 'up'])
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(llm_client_call_duration_seconds_bucket[$__rate_interval])))')).toEqual([
      'llm_client_call_duration_seconds_bucket',
    ])
  })

  test('every service and Lexi exposes metrics', () => {
    for (const [name, names] of exposed) expect(names.size, name).toBeGreaterThan(5)
    expect(exposed.get('lexi')).toContain('vllm:num_requests_waiting')
  })

  test('every metric the alert rules and the dashboard query exists on some /metrics', () => {
    const all = new Set([...SYNTHETIC, ...[...exposed.values()].flatMap((s) => [...s])])
    const used = queries.flatMap((q) => metricNames(q.expr).map((name) => ({ where: q.where, name })))
    expect(used.length).toBeGreaterThan(40)
    expect(used.filter((u) => !all.has(u.name))).toEqual([])
  })

  test('each job-scoped selector names a metric that job exposes', () => {
    // e.g. http_request_duration_seconds_count{job="admin"} must be on admin's /metrics.
    const missing: string[] = []
    for (const q of queries) {
      for (const m of q.expr.matchAll(/([a-zA-Z_:][\w:]*)\{[^}]*\bjob="(\w+)"/g)) {
        const [, name, job] = m
        if (name === undefined || job === undefined || SYNTHETIC.has(name)) continue
        if (exposed.get(job)?.has(name) !== true) missing.push(`${q.where}: ${name} on job ${job}`)
      }
    }
    expect(missing).toEqual([])
  })
})
