import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { parse, stringify } from 'yaml'

// deploy/prometheus: the alert rules pass `promtool check rules`, their unit tests pass
// `promtool test rules`, every alert has a test that fires it and one that shows it quiet, and each
// alert's tests fail when the alert is broken. promtool is Debian's `prometheus` package (.ci/run
// installs it); without it the promtool tests are reported as skipped, with the reason.
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PROM_DIR = path.join(ROOT, 'deploy/prometheus')
const RULES = path.join(PROM_DIR, 'rules.yml')
const RULES_TEST = path.join(PROM_DIR, 'rules.test.yml')
const DASHBOARD = path.join(ROOT, 'deploy/grafana/pulsetrade.json')

interface Rule {
  alert?: string
  record?: string
  expr: string
  for?: string
}
interface RuleTest {
  input_series: unknown[]
  alert_rule_test?: Array<{ alertname: string; eval_time: string; exp_alerts: unknown[] }>
}
const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }).groups.flatMap((g) => g.rules)
const alerts = rules.flatMap((r) => (r.alert === undefined ? [] : [r.alert]))
const unitTests = (parse(readFileSync(RULES_TEST, 'utf8')) as { tests: RuleTest[] }).tests.flatMap((t) => t.alert_rule_test ?? [])

/** PROMTOOL overrides the binary (e.g. a release tarball's promtool); default: the one on PATH. */
const PROMTOOL = process.env.PROMTOOL ?? 'promtool'
const promtoolVersion = spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' })
const SKIP_REASON =
  promtoolVersion.error === undefined && promtoolVersion.status === 0
    ? null
    : `promtool is not installed (${PROMTOOL}: ${promtoolVersion.error?.message ?? `exit ${String(promtoolVersion.status)}`}); as root: apt-get install -y prometheus`
const promtool = (...args: string[]): { status: number | null; out: string } => {
  const r = spawnSync(PROMTOOL, args, { encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

const tmp = mkdtempSync(path.join(tmpdir(), 'pulsetrade-alert-rules-'))
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

describe('deploy/prometheus/rules.yml', () => {
  test('ships the alerts the operators asked for', () => {
    expect(alerts).toEqual(
      expect.arrayContaining([
        'LexiDown',
        'LexiSaturated',
        'LlmCircuitOpen',
        'PolicyFailureRateHigh',
        'PolicyDenyRateHigh',
        'ForecastBacklogGrowing',
        'LlmHealthProbeFailing',
        'PanicExitRun',
        'AbArmStopped',
      ]),
    )
    expect(new Set(alerts).size).toBe(alerts.length)
  })

  test.each(alerts)('%s has a unit test that fires it and one where it stays quiet', (alert) => {
    const mine = unitTests.filter((t) => t.alertname === alert)
    expect(
      mine.some((t) => t.exp_alerts.length > 0),
      `${alert}: no case expects it to fire`,
    ).toBe(true)
    expect(
      mine.some((t) => t.exp_alerts.length === 0),
      `${alert}: no case expects it quiet`,
    ).toBe(true)
  })

  test('promtool check rules passes', ({ skip }) => {
    if (SKIP_REASON !== null) skip(SKIP_REASON)
    const r = promtool('check', 'rules', RULES)
    expect(r.status, r.out).toBe(0)
    expect(r.out).toContain(`SUCCESS: ${rules.length} rules found`)
  })

  test('promtool test rules passes', ({ skip }) => {
    if (SKIP_REASON !== null) skip(SKIP_REASON)
    const r = promtool('test', 'rules', RULES_TEST)
    expect(r.status, r.out).toBe(0)
    expect(r.out).toContain('SUCCESS')
  })

  test('the unit tests catch each alert when it is broken (its expression never fires)', ({ skip }) => {
    if (SKIP_REASON !== null) skip(SKIP_REASON)
    // One run with every alert broken: a firing case only reads its own alert, so each must be reported.
    const broken = parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }
    for (const g of broken.groups) for (const r of g.rules) if (r.alert !== undefined) r.expr = 'vector(1) == 2'
    writeFileSync(path.join(tmp, 'rules.yml'), stringify(broken))
    copyFileSync(RULES_TEST, path.join(tmp, 'rules.test.yml'))
    const r = promtool('test', 'rules', path.join(tmp, 'rules.test.yml'))
    expect(r.status, 'every alert broken, yet promtool test rules passed').not.toBe(0)
    const failed = new Set([...r.out.matchAll(/alertname: (\w+), time:/g)].map((m) => m[1]))
    expect(alerts.filter((a) => !failed.has(a))).toEqual([])
  })

  test('prometheus.yml passes promtool check config and loads rules.yml', ({ skip }) => {
    if (SKIP_REASON !== null) skip(SKIP_REASON)
    const r = promtool('check', 'config', path.join(PROM_DIR, 'prometheus.yml'))
    expect(r.status, r.out).toBe(0)
    expect(r.out).toContain(`SUCCESS: ${rules.length} rules found`)
  })
})

describe('deploy/grafana/pulsetrade.json', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    uid: string
    panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>
  }
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })))

  test('every panel queries something and every query is valid PromQL (promtool)', ({ skip }) => {
    for (const p of dashboard.panels.filter((x) => x.type !== 'row')) expect(p.targets?.length ?? 0, p.title).toBeGreaterThan(0)
    if (SKIP_REASON !== null) skip(SKIP_REASON)
    // Grafana's range variables stand for durations; each query becomes a recording rule promtool parses.
    const asRules = exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h') }))
    const file = path.join(tmp, 'dashboard-queries.yml')
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: asRules }] }))
    const r = promtool('check', 'rules', file)
    expect(r.status, r.out).toBe(0)
    expect(r.out).toContain(`SUCCESS: ${exprs.length} rules found`)
  })
})

describe('the monitoring compose profile', () => {
  interface Service {
    image?: string
    profiles?: string[]
    volumes?: string[]
    ports?: string[]
    command?: string[]
  }
  const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> }
  const config = parse(readFileSync(path.join(PROM_DIR, 'prometheus.yml'), 'utf8')) as {
    rule_files: string[]
    scrape_configs: Array<{ job_name: string; static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[]; port: number }> }>
  }

  test('runs prom/prometheus only under the profile, with the shipped config and rules mounted', () => {
    const prom = compose.services.prometheus
    expect(prom?.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/)
    expect(prom?.profiles).toEqual(['monitoring'])
    const mounts = (prom?.volumes ?? []).map((v) => v.split(':'))
    expect(mounts).toEqual(
      expect.arrayContaining([
        ['./deploy/prometheus/prometheus.yml', '/etc/prometheus/prometheus.yml', 'ro'],
        ['./deploy/prometheus/rules.yml', '/etc/prometheus/rules.yml', 'ro'],
      ]),
    )
    expect(config.rule_files).toEqual(['rules.yml'])
  })

  test('scrapes every service on the port its container listens on, under the job names the rules use', () => {
    const containerPort = (name: string): string | undefined => compose.services[name]?.ports?.[0]?.split(':').at(-1)
    const jobs = new Map(config.scrape_configs.map((s) => [s.job_name, s]))
    for (const name of ['api', 'analytics', 'admin']) {
      expect(jobs.get(name)?.static_configs?.[0]?.targets, name).toEqual([`${name}:${containerPort(name) ?? '?'}`])
    }
    // Replicas of the scaled worker: every address behind the compose service name.
    expect(jobs.get('forecast')?.dns_sd_configs?.[0]).toMatchObject({ names: ['forecast'], port: Number(containerPort('forecast')) })
    expect(jobs.get('lexi')?.static_configs?.[0]?.targets).toEqual(['host.docker.internal:8008'])
    const ruleJobs = new Set([...readFileSync(RULES, 'utf8').matchAll(/job="(\w+)"/g)].map((m) => m[1]))
    for (const job of ruleJobs) expect(jobs.has(job ?? ''), `rules select job="${job ?? ''}"`).toBe(true)
  })
})
