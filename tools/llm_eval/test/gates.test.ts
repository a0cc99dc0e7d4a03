import { describe, expect, test } from 'vitest'
import { checkGates } from '../src/gates'
import { summarize } from '../src/summarize'
import { record, target } from './record-builders'

const a = target('rationale', '1.0.0')
const b = target('rationale', '1.1.0')

// a: 10 calls, 8 valid first try, 9 after repair, latencies 10..100 ms; b: all valid, 20 ms.
const records = [
  ...Array.from({ length: 10 }, (_, i) =>
    record(a, `i${i}`, {
      latency_ms: (i + 1) * 10,
      json_valid_first_try: i >= 2,
      json_valid_after_repair: i >= 1,
      schema_valid: i >= 1,
      ok: i >= 1,
      error_code: i === 0 ? 'LLM_ERR_INVALID_JSON' : null,
      decision: i === 0 ? null : 'confident_up',
    }),
  ),
  ...Array.from({ length: 10 }, (_, i) => record(b, `i${i}`, { latency_ms: 20 })),
]
const summary = summarize({ runId: 'g', targets: [a, b], items: [], records, wallMs: 100, confidentMin: 0.6 })

describe('gates', () => {
  test('a failed minimum names the metric, the version, the value and the threshold in one line', () => {
    expect(checkGates(summary, { 'min-json-valid': 0.99 }).map((f) => f.line)).toEqual([
      'gate failed: json_valid_after_repair of rationale@1.0.0 = 0.9000, below the minimum 0.9900 (--min-json-valid)',
    ])
  })

  test('a failed latency maximum is written in milliseconds', () => {
    expect(checkGates(summary, { 'max-p95-ms': 50 }).map((f) => f.line)).toEqual([
      'gate failed: latency_p95_ms of rationale@1.0.0 = 100 ms, above the maximum 50 ms (--max-p95-ms)',
    ])
  })

  test('every failed metric gets its own line; met gates give none', () => {
    const failures = checkGates(summary, {
      'min-json-valid-first-try': 0.85,
      'min-schema-valid': 0.95,
      'max-error-rate': 0.05,
      'max-p99-ms': 1000,
      'min-agreement': 0.5,
    })
    expect(failures.map((f) => `${f.metric} ${f.subject}`)).toEqual([
      'json_valid_first_try rationale@1.0.0',
      'schema_valid rationale@1.0.0',
      'error_rate rationale@1.0.0',
    ])
    expect(checkGates(summary, { 'min-json-valid': 0.9, 'max-p95-ms': 100 })).toEqual([])
  })

  test('the agreement gate applies to each pair of versions', () => {
    const f = checkGates(summary, { 'min-agreement': 1.01 })
    expect(f.map((x) => x.subject)).toEqual(['rationale@1.0.0 vs rationale@1.1.0'])
    expect(f[0]?.value).toBe(1)
  })
})
