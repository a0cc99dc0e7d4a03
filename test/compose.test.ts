import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'

// Properties of the shipped compose file and Dockerfile that need no Docker engine (the running stack
// is proven by `make compose-smoke`). The raw file is read with its anchors merged; where a compose
// CLI is installed, its own parse is checked too.
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const text = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
/** The instructions alone (comments say what is avoided, by name). */
const instructions = dockerfile
  .split('\n')
  .filter((l) => !l.startsWith('#'))
  .join('\n')

interface Service {
  image?: string
  build?: unknown
  container_name?: string
  ports?: string[]
  command?: string[]
  entrypoint?: string[]
  environment?: Record<string, string>
  healthcheck?: { test: string[]; timeout?: string; interval?: string }
  profiles?: string[]
  volumes?: string[]
  env_file?: string
  extra_hosts?: string[]
}
const file = parse(text, { merge: true }) as { services: Record<string, Service> }
const services = file.services
const APP = ['migrate', 'api', 'analytics', 'admin', 'forecast', 'tools']
const seconds = (d: string | undefined): number => Number(/^(\d+)s$/.exec(d ?? '')?.[1] ?? Number.NaN)

describe('docker-compose.yml', () => {
  test('the forecast worker scales out: no container name and no fixed host port on any service that has one', () => {
    for (const [name, s] of Object.entries(services)) expect(s.container_name, name).toBeUndefined()
    expect(services.forecast!.ports).toEqual(['${COMPOSE_BIND_ADDRESS:-127.0.0.1}::8004'])
  })

  test('every published port binds to COMPOSE_BIND_ADDRESS, 127.0.0.1 by default; Postgres not on 5432', () => {
    const ports = Object.values(services).flatMap((s) => s.ports ?? [])
    expect(ports.length).toBeGreaterThanOrEqual(5)
    for (const p of ports) expect(p).toMatch(/^\$\{COMPOSE_BIND_ADDRESS:-127\.0\.0\.1\}:/)
    expect(services.postgres!.ports).toEqual(['${COMPOSE_BIND_ADDRESS:-127.0.0.1}:${POSTGRES_HOST_PORT:-15432}:5432'])
  })

  test('no default secret: POSTGRES_PASSWORD and ADMIN_TOKEN only as ${VAR:?message}', () => {
    for (const key of ['POSTGRES_PASSWORD', 'ADMIN_TOKEN']) {
      const uses = [...text.matchAll(new RegExp(`\\$\\{${key}([^}]*)\\}`, 'g'))].map((m) => m[1]!)
      expect(uses.length, key).toBeGreaterThan(0)
      for (const u of uses) expect(u, key).toMatch(/^:\?.+ is required/)
    }
    expect(services.postgres!.environment!.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/)
    for (const name of APP) expect(services[name]!.environment!.ADMIN_TOKEN, name).toMatch(/^\$\{ADMIN_TOKEN:\?/)
  })

  test('every process runs compiled JavaScript from the one image, never tsx', () => {
    for (const name of APP) {
      const s = services[name]!
      expect(s.image, name).toBe('pulsetrade-app:local')
      const argv = [...(s.entrypoint ?? []), ...(s.command ?? [])]
      expect(argv[0], name).toBe('node')
      expect(
        argv.find((a) => a.startsWith('dist/')),
        name,
      ).toMatch(/^dist\/[a-z-]+\.mjs$/)
      expect(argv.join(' '), name).not.toMatch(/tsx|\.ts\b/)
      expect(s.extra_hosts, name).toEqual(['host.docker.internal:host-gateway'])
    }
  })

  test('healthchecks are cheap and patient enough for a loaded 2-core machine', () => {
    for (const name of ['api', 'analytics', 'admin', 'forecast']) {
      const h = services[name]!.healthcheck!
      expect(h.test.join(' '), name).not.toContain('node')
      expect(h.test.join(' '), name).toContain('/healthz')
      expect(seconds(h.timeout), name).toBeGreaterThanOrEqual(10)
    }
    expect(seconds(services.postgres!.healthcheck!.timeout)).toBeGreaterThanOrEqual(10)
  })

  test('the eval container writes into a host folder and runs only on demand', () => {
    expect(services.tools!.profiles).toEqual(['tools'])
    expect(services.tools!.volumes).toEqual(['${COMPOSE_RESULTS_DIR:-./results}:/app/results'])
  })
})

describe('Dockerfile', () => {
  test('builds with any builder: no syntax frontend, no RUN --mount, no heredoc', () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax=/m)
    expect(instructions).not.toMatch(/--mount/)
    expect(instructions).not.toMatch(/<<\s*['"]?[A-Z]+/)
  })

  test('COREPACK_INTEGRITY_KEYS is an argument without a default, and an empty one still verifies', () => {
    expect(dockerfile).toMatch(/^ARG COREPACK_INTEGRITY_KEYS$/m)
    expect(dockerfile).toContain('if [ -z "${COREPACK_INTEGRITY_KEYS:-}" ]; then unset COREPACK_INTEGRITY_KEYS; fi')
  })

  test('the runtime stage copies the compiled output only (no node_modules, no sources)', () => {
    const runtime = instructions.slice(instructions.indexOf('AS runtime'))
    expect(runtime.match(/^COPY .*$/gm)).toEqual(['COPY --from=build /out /app'])
    expect(runtime).toMatch(/^USER node$/m)
  })
})

// The compose CLI's own reading of the file (docker-compose 1.29 or the v2 plugin; no engine needed).
const cli = ['docker compose', 'docker-compose']
  .map((c) => c.split(' '))
  .find(([bin, ...rest]) => spawnSync(bin!, [...rest, 'version'], { stdio: 'ignore' }).status === 0)

describe.skipIf(cli === undefined)(`docker-compose.yml through ${cli?.join(' ') ?? 'no compose CLI'}`, () => {
  const run = (env: Record<string, string>) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'compose-test-'))
    try {
      writeFileSync(path.join(dir, 'docker-compose.yml'), text)
      writeFileSync(path.join(dir, '.env'), '')
      const clean = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !/^(POSTGRES_|ADMIN_TOKEN|COMPOSE_|API_PORT|ANALYTICS_PORT|ADMIN_PORT)/.test(k)),
      )
      return spawnSync(cli![0]!, [...cli!.slice(1), '-f', path.join(dir, 'docker-compose.yml'), 'config'], { encoding: 'utf8', env: { ...clean, ...env } })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  test('refuses to start without POSTGRES_PASSWORD or ADMIN_TOKEN, naming it', () => {
    const noPassword = run({ ADMIN_TOKEN: 'a-token-of-32-characters-or-so!!' })
    expect(noPassword.status).not.toBe(0)
    expect(noPassword.stderr).toContain('POSTGRES_PASSWORD is required')
    const noToken = run({ POSTGRES_PASSWORD: 'pw' })
    expect(noToken.status).not.toBe(0)
    expect(noToken.stderr).toContain('ADMIN_TOKEN is required')
  }, 30_000)

  test('with both set: Postgres on 127.0.0.1:15432, the forecast worker on a free port', () => {
    const r = run({ POSTGRES_PASSWORD: 'pw', ADMIN_TOKEN: 'a-token-of-32-characters-or-so!!' })
    expect(r.status, r.stderr).toBe(0)
    const cfg = parse(r.stdout) as { services: Record<string, { ports?: Array<string | { host_ip?: string; published?: string | number; target: number }> }> }
    const norm = (p: string | { host_ip?: string; published?: string | number; target: number }) =>
      typeof p === 'string' ? p.replace(/\/tcp$/, '') : `${p.host_ip ?? ''}:${p.published ?? ''}:${p.target}`
    expect(cfg.services.postgres!.ports!.map(norm)).toEqual(['127.0.0.1:15432:5432'])
    expect(cfg.services.forecast!.ports!.map(norm)).toEqual(['127.0.0.1::8004'])
    expect(cfg.services.api!.ports!.map(norm)).toEqual(['127.0.0.1:8001:8001'])
  }, 30_000)
})
