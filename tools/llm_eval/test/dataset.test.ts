import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { readDataset } from '../src/read-dataset'
import { itemsSha256, itemsToJsonl } from '../src/dataset-hash'
import { DATASET, tempDir } from './eval-fixtures'

describe('the shipped dataset', () => {
  test('has at least 1,000 valid signal rows, every one with a realized return and a unique id', async () => {
    const d = await readDataset(DATASET)
    expect(d.items.length).toBeGreaterThanOrEqual(1000)
    expect(d.items.every((i) => typeof i.realized_return === 'number' && Number.isFinite(i.realized_return))).toBe(true)
    expect(new Set(d.items.map((i) => i.id)).size).toBe(d.items.length)
    expect(d.items.filter((i) => i.inputs.order !== null).length).toBeGreaterThan(500)
  })

  test('re-serialises to the same bytes, so its items hash equals the file hash', async () => {
    const d = await readDataset(DATASET)
    expect(itemsSha256(d.items)).toBe(d.fileSha256)
  })
})

describe('readDataset', () => {
  const line = (over: Record<string, unknown> = {}): string =>
    JSON.stringify({
      id: 'a',
      symbol: 'SPX',
      asof: '2020-01-02T00:00:00.000Z',
      horizon: 1,
      forecast: { mu: 0.001, sigma: 0.01, p_up: 0.55, q05: -0.01, q95: 0.02 },
      signals: { ret_1: 0, ret_5: 0, ret_20: 0, vol_20: 0.01, rsi_14: 50, zscore_20: 0, volume_ratio: 1 },
      order: null,
      ...over,
    })

  test('names the file and line of a row that breaks the LlmInputs contract', async () => {
    const file = join(await tempDir(), 'bad.jsonl')
    await writeFile(file, `${line()}\n\n${line({ id: 'b', horizon: 0 })}\n`)
    await expect(readDataset(file)).rejects.toThrow(expect.objectContaining({ code: 'EVAL_ERR_DATASET', message: expect.stringContaining(`${file} line 3`) }))
  })

  test('rejects a duplicate id and a line that is not JSON', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'dup.jsonl'), `${line()}\n${line()}\n`)
    await writeFile(join(dir, 'junk.jsonl'), `${line()}\n{oops\n`)
    await expect(readDataset(join(dir, 'dup.jsonl'))).rejects.toThrow('line 2: duplicate id "a"')
    await expect(readDataset(join(dir, 'junk.jsonl'))).rejects.toThrow('line 2: not JSON')
  })

  test('--limit takes the first rows; a missing realized_return is null; numeric ids become strings', async () => {
    const file = join(await tempDir(), 'ok.jsonl')
    await writeFile(file, [line({ id: 7 }), line({ id: 'x', realized_return: 0.02 }), line({ id: 'y' })].join('\n'))
    const d = await readDataset(file, { limit: 2 })
    expect(d.lines).toBe(3)
    expect(d.items.map((i) => [i.id, i.realized_return])).toEqual([
      ['7', null],
      ['x', 0.02],
    ])
    expect(itemsToJsonl(d.items).split('\n')[0]).toContain('"id":"7"')
  })
})
