/**
 * `make run`: Postgres (embedded unless DATABASE_URL is set), migrations, lexi-sim (unless
 * LLM_BASE_URL is set) and the four services as child processes. Ctrl-C / SIGTERM stops the
 * children first, then Postgres. Reads .env when present; the real environment wins.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { commonEnv, ConfigError, envField, loadDotEnv, loadEnv, maskUrlCredentials, SERVICE_PORTS, type ServiceName } from '@pulsetrade/config'
import { AdminEnv } from '@pulsetrade/admin/config'
import { AnalyticsEnv } from '@pulsetrade/analytics/config'
import { APP_DATABASE, ensureDatabase, migrate, startEmbeddedPostgres, type EmbeddedPostgres } from '@pulsetrade/db'
import { startChild, stopChild, waitForHttp, type Child } from './child-process'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SIM_CLI = 'tools/lexi-sim/src/cli.ts'
const SERVICES: Array<{ name: ServiceName; role: string }> = [
  { name: 'api', role: 'GET /llm/health, POST /llm/chat (Bearer chat token)' },
  { name: 'analytics', role: 'GET /analytics/recent' },
  { name: 'admin', role: '/llm/admin/*, /strategist/* (Bearer ADMIN_TOKEN)' },
  { name: 'forecast', role: 'worker: bars -> forecasts -> LLM -> orders; /healthz /metrics' },
]
const say = (line: string): void => {
  process.stdout.write(`[run] ${line}\n`)
}
const shout = (line: string): void => {
  process.stdout.write(`\n[run] !!!!! ${line} !!!!!\n\n`)
}

const filled = loadDotEnv(path.join(ROOT, '.env'), process.env)
let config
try {
  // Every shared knob is checked before anything starts, so a typo fails at once on one line.
  config = loadEnv(
    {
      ...commonEnv.db,
      ...commonEnv.log,
      ...commonEnv.llm,
      ...commonEnv.gate,
      /** The services' own knobs that make run reads or passes on, checked here as the services will. */
      ADMIN_TOKEN: AdminEnv.shape.ADMIN_TOKEN.optional(),
      ENABLE_PANIC_EXIT: AdminEnv.shape.ENABLE_PANIC_EXIT,
      ANALYTICS_SUMMARY_TIMEOUT_MS: AnalyticsEnv.shape.ANALYTICS_SUMMARY_TIMEOUT_MS,
      /** Checked here too, so a token with whitespace stops make run before anything starts. */
      CHAT_TOKENS: envField.namedTokens({ minLength: 16 }).optional(),
      SIM_PORT: envField.port().default(8008),
      SIM_ARGS: envField.string().default(''),
      API_PORT: envField.port().default(SERVICE_PORTS.api),
      ANALYTICS_PORT: envField.port().default(SERVICE_PORTS.analytics),
      ADMIN_PORT: envField.port().default(SERVICE_PORTS.admin),
      FORECAST_PORT: envField.port().default(SERVICE_PORTS.forecast),
    },
    process.env,
  )
} catch (err) {
  process.stderr.write(err instanceof ConfigError ? `make run: ${err.message}\n` : `make run: ${String(err)}\n`)
  process.exit(1)
}
const cfg = config
const ports: Record<ServiceName, number> = { api: cfg.API_PORT, analytics: cfg.ANALYTICS_PORT, admin: cfg.ADMIN_PORT, forecast: cfg.FORECAST_PORT }
if (filled.length > 0) say(`read ${filled.length} setting(s) from .env`)

let pg: EmbeddedPostgres | null = null
let pgStarting: Promise<EmbeddedPostgres> | null = null
let sim: Child | null = null
const children: Child[] = []
let stopping = false

async function shutdown(reason: string, code: number): Promise<void> {
  if (stopping) return
  stopping = true
  say(`${reason}: stopping the services, then lexi-sim, then Postgres`)
  await Promise.all(children.map((c) => stopChild(c, 8_000)))
  if (sim) await stopChild(sim, 3_000)
  // A signal during start-up: wait for the Postgres being started, so it is not left running.
  const db = pg ?? (await pgStarting?.catch(() => null))
  await db?.stop().catch((err: Error) => say(`Postgres did not stop cleanly: ${err.message}`))
  say('stopped')
  process.exit(code)
}
function onSignal(sig: NodeJS.Signals): void {
  if (!stopping) {
    void shutdown(sig, 0)
    return
  }
  say('second signal: killing everything now')
  for (const c of [...children, sim]) c?.proc.kill('SIGKILL')
  process.exit(130)
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal)

try {
  // 1. Postgres
  let databaseUrl = cfg.DATABASE_URL
  let dbWhere: string
  if (databaseUrl) {
    dbWhere = 'DATABASE_URL (external)'
  } else {
    pgStarting = startEmbeddedPostgres({
      port: cfg.EMBEDDED_PG_PORT,
      log: (m) => say(`postgres: ${m}`),
      ...(cfg.EMBEDDED_PG_DATA_DIR ? { dataDir: cfg.EMBEDDED_PG_DATA_DIR } : {}),
    })
    pg = await pgStarting
    databaseUrl = await ensureDatabase(pg.url, APP_DATABASE)
    dbWhere = `embedded${pg.reused ? ', reused' : ''} (data ${path.relative(ROOT, pg.dataDir) || pg.dataDir})`
  }
  // 2. Migrations
  const m = await migrate(databaseUrl, { log: (line) => say(`migrate: ${line}`) })
  say(`migrations: ${m.applied.length} applied, ${m.skipped} already applied`)

  // 3. Lexi (the simulator unless LLM_BASE_URL points at a real one)
  let llmBaseUrl = process.env.LLM_BASE_URL ? cfg.LLM_BASE_URL.join(',') : ''
  let llmWhere = 'LLM_BASE_URL (external)'
  if (!llmBaseUrl) {
    llmBaseUrl = `http://127.0.0.1:${cfg.SIM_PORT}/v1`
    if (existsSync(path.join(ROOT, SIM_CLI)) && !stopping) {
      const simEnv = { ...process.env, ...(cfg.LLM_API_KEY ? { VLLM_API_KEY: cfg.LLM_API_KEY } : {}) }
      const simArgs = ['--port', String(cfg.SIM_PORT), '--max-model-len', String(cfg.LLM_MAX_TOKENS), ...cfg.SIM_ARGS.split(/\s+/).filter(Boolean)]
      sim = startChild('lexi-sim', SIM_CLI, simArgs, simEnv, ROOT)
      const state = await waitForHttp(`http://127.0.0.1:${cfg.SIM_PORT}/health`, sim, 30_000)
      if (state !== 'ready') throw new Error(`lexi-sim did not come up on port ${cfg.SIM_PORT} (${state}); is the port taken? Set SIM_PORT or LLM_BASE_URL`)
      llmWhere = 'lexi-sim (simulated Lexi)'
    } else {
      llmWhere = 'not built yet (tools/lexi-sim/src/cli.ts missing): nothing answers'
    }
  }

  // 4. Services
  let adminToken = cfg.ADMIN_TOKEN
  if (!adminToken) {
    adminToken = randomBytes(24).toString('hex')
    say(`ADMIN_TOKEN was not set; generated one for this run: ${adminToken}`)
  }
  let chatTokens = process.env.CHAT_TOKENS?.trim() ?? ''
  let chatToken: string | null = null
  if (!cfg.CHAT_TOKENS) {
    chatToken = randomBytes(24).toString('hex')
    chatTokens = `operator=${chatToken}`
    say(`CHAT_TOKENS was not set; generated a chat token for this run: ${chatToken}`)
  }
  // Loopback only: under make run nothing listens beyond this machine (compose sets HOST=0.0.0.0
  // inside its containers, where the port mapping decides).
  const baseEnv = { ...process.env, DATABASE_URL: databaseUrl, LLM_BASE_URL: llmBaseUrl, ADMIN_TOKEN: adminToken, CHAT_TOKENS: chatTokens, HOST: '127.0.0.1' }
  const rows: string[][] = [
    ['postgres', maskUrlCredentials(databaseUrl), dbWhere],
    ['lexi', llmBaseUrl, llmWhere],
  ]
  const started: Array<{ name: ServiceName; child: Child }> = []
  for (const s of SERVICES) {
    if (stopping) break
    const script = `services/${s.name}/src/server.ts`
    if (!existsSync(path.join(ROOT, script))) {
      rows.push([s.name, '-', `not built yet (${script} missing)`])
      continue
    }
    const child = startChild(s.name, script, [], { ...baseEnv, PORT: String(ports[s.name]) }, ROOT)
    children.push(child)
    started.push({ name: s.name, child })
  }
  const states = await Promise.all(started.map(({ name, child }) => waitForHttp(`http://127.0.0.1:${ports[name]}/healthz`, child, 90_000)))
  started.forEach(({ name }, i) => {
    const s = SERVICES.find((x) => x.name === name)
    rows.push([name, `http://127.0.0.1:${ports[name]}`, states[i] === 'ready' ? `up: ${s?.role ?? ''}` : `NOT UP (${states[i]}): see its [${name}] lines`])
    if (name === 'admin' && states[i] === 'ready')
      rows.push(['console', `http://127.0.0.1:${ports.admin}/console/`, 'operator console: sign in with the admin token'])
  })

  for (const c of [...children, ...(sim ? [sim] : [])]) {
    void c.exited.then((how) => {
      if (!stopping) shout(`${c.name} exited (${how}) while running; the rest keep going, Ctrl-C stops everything`)
    })
  }
  const width = Math.max(...rows.map((r) => r[0]?.length ?? 0))
  const urlWidth = Math.max(...rows.map((r) => r[1]?.length ?? 0))
  say('')
  say('PulseTrade is running:')
  for (const [what, where, note] of rows) say(`${(what ?? '').padEnd(width)}  ${(where ?? '').padEnd(urlWidth)}  ${note ?? ''}`)
  say('')
  say(`admin token: ${cfg.ADMIN_TOKEN ? '(from ADMIN_TOKEN)' : adminToken}    chat token: ${chatToken ?? '(from CHAT_TOKENS)'}`)
  say('every service listens on 127.0.0.1 only    Ctrl-C stops everything')
} catch (err) {
  // A failure caused by a shutdown already under way is not news; that shutdown finishes the job.
  if (!stopping) {
    shout(`start failed: ${(err as Error).message}`)
    await shutdown('start failed', 1)
  }
}
