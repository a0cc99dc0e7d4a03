import { afterAll, expect, test } from 'vitest'
import { testDatabase } from '../../../test/db'
import { auth, buildTestApp } from './build-test-app'

// Issue 19, canary abort: a stopped arm is visible with its evidence, and only an operator resumes it (audited).
const db = await testDatabase()
const { app } = buildTestApp(db, 'http://127.0.0.1:1/v1', { LLM_AB_BUCKETS: 'rationale:1.0.0,1.1.0' })
afterAll(async () => {
  await app.close()
})

test('GET /llm/admin/prompts shows a stopped arm with evidence; POST /llm/admin/arms/resume re-enables it, audited', async () => {
  await db.pool.query("INSERT INTO llm_arm_stats (prompt, version, n, failed) VALUES ('rationale', '1.1.0', 76, 26)")
  await db.pool.query(
    `INSERT INTO llm_arm_stops (prompt, version, metric, evidence) VALUES ('rationale', '1.1.0', 'failed', '{"llr": 7.1, "threshold": 6.86}')`,
  )

  const before = await app.inject({ method: 'GET', url: '/llm/admin/prompts', headers: auth })
  expect(before.statusCode).toBe(200)
  const rationale = before.json().prompts.find((p: { name: string }) => p.name === 'rationale')
  expect(rationale.stopped).toMatchObject([{ version: '1.1.0', metric: 'failed', evidence: { llr: 7.1, threshold: 6.86 } }])

  const noReason = await app.inject({ method: 'POST', url: '/llm/admin/arms/resume', headers: auth, payload: { prompt: 'rationale', version: '1.1.0' } })
  expect(noReason.statusCode).toBe(400)
  expect(noReason.body).toContain('reason')

  const res = await app.inject({
    method: 'POST',
    url: '/llm/admin/arms/resume',
    headers: auth,
    payload: { prompt: 'rationale', version: '1.1.0', reason: 'fixed the prompt' },
  })
  expect(res.statusCode).toBe(200)
  expect(res.json()).toMatchObject({ prompt: 'rationale', version: '1.1.0', resumed: true })
  const stop = await db.pool.query('SELECT resumed_at, resumed_by, resume_reason FROM llm_arm_stops')
  expect(stop.rows[0]).toMatchObject({ resume_reason: 'fixed the prompt' })
  expect(stop.rows[0].resumed_at).not.toBeNull()
  expect((await db.pool.query("SELECT 1 FROM llm_arm_stats WHERE version = '1.1.0'")).rows).toHaveLength(0)
  const audit = await db.pool.query("SELECT reason FROM audit_log WHERE action = 'llm.arm_resume' AND details->>'status' = '200'")
  expect(audit.rows).toEqual([{ reason: 'fixed the prompt' }])

  const after = await app.inject({ method: 'GET', url: '/llm/admin/prompts', headers: auth })
  expect(after.json().prompts.find((p: { name: string }) => p.name === 'rationale').stopped).toEqual([])
  const again = await app.inject({
    method: 'POST',
    url: '/llm/admin/arms/resume',
    headers: auth,
    payload: { prompt: 'rationale', version: '1.1.0', reason: 'again' },
  })
  expect(again.statusCode).toBe(404)
})
