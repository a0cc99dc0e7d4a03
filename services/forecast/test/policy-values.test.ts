import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Db } from '@pulsetrade/db'
import { PolicyRecordSchema } from '@pulsetrade/llm'
import { describe, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { countingGate, inputsFor, placerFor, runOne, storeForecast } from './gated-order-kit'

/**
 * Issue 16, acceptance 3: features.llm.policy.effective says what happened to each forecast's
 * order, and the README's runbook query (run here exactly as written there) counts denials right:
 * rows without an order, exits filled under an LLM deny and shadow rows are not denials. Rows
 * written before the change say the same after migration 0050.
 */
const README = fileURLToPath(new URL('../../../README.md', import.meta.url))
const MIGRATION = fileURLToPath(new URL('../../../libs/db/migrations/0050_backfill_policy_effective.sql', import.meta.url))

function runbookQuery(): string {
  const m = /<!-- runbook:policy-query -->\s*```sql\n([\s\S]*?)```/.exec(readFileSync(README, 'utf8'))
  if (!m?.[1]) throw new Error('README.md has no runbook:policy-query block')
  return m[1]
}

type Counted = Record<string, number>
/** The runbook query's rows as `effective|would|fail_reason` → forecasts. */
async function runbook(db: Db): Promise<Counted> {
  const { rows } = await db.query<{ effective: string; would: string | null; fail_reason: string | null; forecasts: string }>(runbookQuery())
  return Object.fromEntries(rows.map((r) => [`${r.effective}|${r.would ?? '-'}|${r.fail_reason ?? '-'}`, Number(r.forecasts)]))
}
const denials = (c: Counted): number =>
  Object.entries(c)
    .filter(([k]) => k.startsWith('deny|'))
    .reduce((n, [, v]) => n + v, 0)

const buy = (qty = 10) => ({ side: 'buy' as const, qty, ref_price: 100, notional: qty * 100 })
const sell = (qty = 10) => ({ side: 'sell' as const, qty, ref_price: 100, notional: qty * 100 })
const DENY = { decision: 'deny', size_factor: 1, reason: 'event risk', risk_flags: [] }
const ALLOW = { decision: 'allow', size_factor: 1, reason: 'fine', risk_flags: [] }

/** What the rows below must read as, new or migrated. One denial: the enforce-mode LLM deny. */
const EXPECTED: Counted = {
  'no_order|-|-': 2, //                 no order: LLM allowed at size_factor 0.5 / LLM denied
  'allow|-|-': 2, //                    the long that the exit later reduces, and a plain allow
  'deny|-|llm_denied': 1, //            enforce: the LLM denied a risk-increasing order
  'reduce_only_allowed|-|-': 1, //      the exit filled although the LLM said deny
  'allow|would_deny|llm_denied': 1, //  shadow: filled, the LLM would have denied
  'pending|-|-': 1, //                  proposed, not placed yet
}

describe('policy values written by the forecast service', () => {
  const dbp = testDatabase()

  test('no-order rows, an exit under an LLM deny, a shadow row: the runbook query counts one denial', async () => {
    const db = (await dbp).pool
    const { gate } = countingGate()
    const enforce = placerFor(db, { gate })
    const shadow = placerFor(db, { gate, mode: 'shadow' })
    await runOne(db, enforce, inputsFor('SPX', null), { policy: { ...ALLOW, size_factor: 0.5 } })
    await runOne(db, enforce, inputsFor('SPX', null), { policy: DENY })
    await runOne(db, enforce, inputsFor('SPX', buy(10)), { policy: ALLOW })
    await runOne(db, enforce, inputsFor('AAA', buy(5)), { policy: ALLOW })
    expect((await runOne(db, enforce, inputsFor('SPX', buy(5)), { policy: DENY })).status).toBe('denied')
    expect((await runOne(db, enforce, inputsFor('SPX', sell(4)), { policy: DENY })).status).toBe('filled')
    expect((await runOne(db, shadow, inputsFor('BBB', buy(2)), { policy: DENY, mode: 'shadow' })).status).toBe('filled')
    await storeForecast(db, inputsFor('BBB', buy(1)), { policy: ALLOW })

    const counted = await runbook(db)
    expect(counted).toEqual(EXPECTED)
    expect(denials(counted)).toBe(1)
    const { rows } = await db.query<{ p: unknown }>("SELECT features->'llm'->'policy' AS p FROM forecasts")
    for (const r of rows) PolicyRecordSchema.parse(r.p)
  })
})

describe('migration 0050 on rows written before it', () => {
  const dbp = testDatabase()

  test('old rows read the same as new ones: one denial, codes split out of the reasons, and a second run changes nothing', async () => {
    const db = (await dbp).pool
    await seedOldRows(db)
    // Before: the runbook query counted 4 denials (two no-order rows, the exit, the real one).
    expect(denials(await runbook(db))).toBe(4)
    const sql = readFileSync(MIGRATION, 'utf8')
    await db.query(sql)
    const counted = await runbook(db)
    expect(counted).toEqual(EXPECTED)
    const { rows } = await db.query<{ p: unknown }>("SELECT features->'llm'->'policy' AS p FROM forecasts")
    for (const r of rows) PolicyRecordSchema.parse(r.p)
    const gates = await db.query<{
      gate: { effective: string; checks: Array<{ code: string; reason: string }>; steps: Array<{ code: string; reason: string }> }
    }>("SELECT gate FROM orders WHERE gate ? 'checks' ORDER BY id")
    expect(gates.rows.map((r) => r.gate.effective)).toEqual(['allow', 'allow', 'deny', 'reduce_only_allowed', 'allow'])
    const exit = gates.rows[3]!.gate
    expect(exit.checks.slice(0, 2)).toEqual([
      { check: 'state', pass: true, code: 'OK', reason: 'state=ACTIVE' },
      { check: 'symbol', pass: true, code: 'SKIPPED', reason: 'risk-reducing order' },
    ])
    expect(exit.steps).toEqual([
      { step: 'risk', verdict: 'allow', code: 'RISK_OK', reason: '8 checks passed' },
      { step: 'llm', verdict: 'skipped', code: 'RISK_REDUCING', reason: 'the LLM is not consulted for risk-reducing orders' },
    ])
    const snapshot = async () => (await db.query('SELECT f.features, o.gate FROM forecasts f LEFT JOIN orders o ON o.forecast_id = f.id ORDER BY f.id')).rows
    const once = await snapshot()
    await db.query(sql)
    expect(await snapshot()).toEqual(once)
  })
})

/** The rows above as the enricher and submitOrder wrote them before: the enricher gated every forecast for one lot. */
async function seedOldRows(db: Db): Promise<void> {
  const llm = (decision: Record<string, unknown>) => ({
    prompt: 'policy',
    version: '1.0.0',
    hash: 'h',
    arm: null,
    bucket: null,
    ok: true,
    valid_json: true,
    repaired: false,
    cached: false,
    parsed: decision,
    raw: JSON.stringify(decision),
    finish_reason: 'stop',
    latency_ms: 5,
    usage: { prompt_tokens: 1, completion_tokens: 1 },
    request_id: 'r',
    error: null,
  })
  const policy = (decision: Record<string, unknown>, gate: { mode?: string; effective: string; would?: string | null; fail_reason?: string | null }) => ({
    ...llm(decision),
    mode: gate.mode ?? 'enforce',
    gate_disabled: false,
    effective: gate.effective,
    would: gate.would ?? null,
    fail_reason: gate.fail_reason ?? null,
  })
  const checks = (reducing: boolean) =>
    ['state', 'symbol', 'qty', 'price_freshness', 'collar', 'order_notional', 'position_notional', 'throttle'].map((check) => ({
      check,
      pass: true,
      reason: reducing && !['state', 'qty'].includes(check) ? 'SKIPPED: risk-reducing order' : check === 'state' ? 'OK: state=ACTIVE' : 'OK: fine',
    }))
  const verdict = (o: {
    effective: string
    reason_code: string
    steps: string[][]
    mode?: string
    would?: string | null
    fail_reason?: string | null
    reducing?: boolean
  }) => ({
    effective: o.effective,
    qty: o.effective === 'deny' ? 0 : 10,
    requested_qty: 10,
    size_factor: 1,
    mode: o.mode ?? 'enforce',
    gate_disabled: false,
    risk_reducing: o.reducing ?? false,
    would: o.would ?? null,
    fail_reason: o.fail_reason ?? null,
    reason_code: o.reason_code,
    warn: null,
    steps: o.steps.map(([step, v, reason]) => ({ step, verdict: v, reason })),
    checks: checks(o.reducing ?? false),
  })
  const ok = ['risk', 'allow', 'RISK_OK: 8 checks passed']
  let n = 0
  async function row(
    order: Record<string, unknown> | null,
    pol: Record<string, unknown>,
    gate: Record<string, unknown> | null,
    status = 'filled',
    side = 'buy',
  ): Promise<void> {
    n++
    const inputs = { ...inputsFor('SPX', null), order }
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO forecasts (symbol, asof, horizon, model_version, mu, sigma, p_up, q05, q95, features)
       VALUES ('SPX', $1, 1, 'old', 0, 0.01, 0.5, -0.01, 0.01, $2) RETURNING id`,
      [new Date(Date.UTC(2019, 0, n)), JSON.stringify({ llm: { model: 'Lexi', inputs, rationale: llm({}), policy: pol } })],
    )
    if (gate) {
      await db.query(
        `INSERT INTO orders (forecast_id, symbol, side, qty, ref_price, status, gate, mode, risk_reducing)
        VALUES ($1, 'SPX', $2, 10, 100, $3, $4, $5, $6)`,
        [rows[0]!.id, side, status, JSON.stringify(gate), gate.mode, gate.risk_reducing],
      )
    }
  }
  const half = { ...ALLOW, size_factor: 0.5 }
  // No order: a size_factor below 1 shrank one lot to zero, a deny denied it.
  await row(null, policy(half, { effective: 'deny', fail_reason: 'llm_denied' }), null)
  await row(null, policy(DENY, { effective: 'deny', fail_reason: 'llm_denied' }), null)
  await row(
    buy(),
    policy(ALLOW, { effective: 'allow' }),
    verdict({ effective: 'allow', reason_code: 'LLM_ALLOW', steps: [ok, ['llm', 'allow', 'LLM_ALLOW: size_factor=1 qty=10->10 reason="fine"']] }),
  )
  await row(
    buy(),
    policy(ALLOW, { effective: 'allow' }),
    verdict({ effective: 'allow', reason_code: 'LLM_ALLOW', steps: [ok, ['llm', 'allow', 'LLM_ALLOW: size_factor=1 qty=10->10 reason="fine"']] }),
  )
  await row(
    buy(),
    policy(DENY, { effective: 'deny', fail_reason: 'llm_denied' }),
    verdict({
      effective: 'deny',
      reason_code: 'LLM_DENY',
      fail_reason: 'llm_denied',
      steps: [ok, ['llm', 'deny', 'LLM_DENY: size_factor=1 qty=10->0 reason="event risk"']],
    }),
    'denied',
  )
  // The exit: the enricher said deny, the placement filled it as risk-reducing.
  await row(
    sell(),
    policy(DENY, { effective: 'deny', fail_reason: 'llm_denied' }),
    verdict({
      effective: 'allow',
      reason_code: 'RISK_REDUCING',
      reducing: true,
      steps: [ok, ['llm', 'skipped', 'RISK_REDUCING: the LLM is not consulted for risk-reducing orders']],
    }),
    'filled',
    'sell',
  )
  await row(
    buy(),
    policy(DENY, { mode: 'shadow', effective: 'allow', would: 'would_deny', fail_reason: 'llm_denied' }),
    verdict({
      effective: 'allow',
      mode: 'shadow',
      would: 'would_deny',
      fail_reason: 'llm_denied',
      reason_code: 'SHADOW_WOULD_DENY',
      steps: [ok, ['llm', 'would_deny', 'LLM_DENY: size_factor=1 qty=10->0 reason="event risk"']],
    }),
  )
  // Proposed, never placed (the job stopped between the forecast insert and the placement).
  await row(buy(), policy(ALLOW, { effective: 'allow' }), null)
}
