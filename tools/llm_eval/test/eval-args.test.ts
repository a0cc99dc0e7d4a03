import { describe, expect, test } from 'vitest'
import { parseEvalArgs } from '../src/eval-args'

describe('eval run arguments', () => {
  test('defaults: forecasts table, active prompts, results/, cache off, no gates', () => {
    expect(parseEvalArgs([])).toMatchObject({ dataset: null, prompts: [], limit: null, out: 'results', useCache: false, gates: {}, confidentMin: 0.6 })
  })

  test('repeatable --prompt keeps its order; gates become thresholds keyed by flag', () => {
    const o = parseEvalArgs([
      '--prompt',
      'rationale@1.0.0',
      '--prompt',
      'rationale@1.1.0',
      '--min-json-valid',
      '0.99',
      '--max-p95-ms',
      '2500',
      '--use-cache',
      '--limit',
      '10',
    ])
    expect(o.prompts).toEqual(['rationale@1.0.0', 'rationale@1.1.0'])
    expect(o.gates).toEqual({ 'min-json-valid': 0.99, 'max-p95-ms': 2500 })
    expect(o.useCache).toBe(true)
    expect(o.limit).toBe(10)
  })

  test.each([
    [['--limit', '0'], '--limit must be a positive integer, got "0"'],
    [['--min-json-valid', '1.5'], '--min-json-valid must be a number from 0 to 1, got "1.5"'],
    [['--max-p95-ms', 'fast'], '--max-p95-ms must be a number'],
    [['--base-url', 'not a url'], '--base-url must be a URL'],
    [['--run-id', '../x'], '--run-id may only hold'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => parseEvalArgs(argv)).toThrow(expect.objectContaining({ code: 'EVAL_ERR_USAGE', message: expect.stringContaining(message) }))
  })
})

describe('which items a run replays', () => {
  test('default: a stratified sample of 300 with seed 1; --sample and --seed change it; --all and --limit turn it off', () => {
    expect(parseEvalArgs([]).selection).toEqual({ kind: 'sample', size: 300, seed: 1 })
    expect(parseEvalArgs(['--sample', '50', '--seed', '9']).selection).toEqual({ kind: 'sample', size: 50, seed: 9 })
    expect(parseEvalArgs(['--all']).selection).toEqual({ kind: 'all' })
    expect(parseEvalArgs(['--limit', '7']).selection).toEqual({ kind: 'limit', n: 7 })
  })

  test.each([
    [['--all', '--limit', '5'], '--all and --limit exclude each other'],
    [['--limit', '5', '--sample', '9'], '--limit and --sample exclude each other'],
    [['--all', '--seed', '2'], '--seed applies to the sample only, not to --all'],
    [['--seed', 'x'], '--seed must be a non-negative integer, got "x"'],
    [['--sample', '0'], '--sample must be a positive integer'],
    [
      ['--rerun-failed', 'results/r1', '--dataset', 'd.jsonl', '--limit', '3'],
      '--rerun-failed takes its items and prompt versions from the run folder; drop --dataset, --limit',
    ],
    [['--junit', ''], '--junit needs a file name'],
  ])('rejects %j naming the flags', (argv, message) => {
    expect(() => parseEvalArgs(argv)).toThrow(expect.objectContaining({ code: 'EVAL_ERR_USAGE', message: expect.stringContaining(message) }))
  })
})
