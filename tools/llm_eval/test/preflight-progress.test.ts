import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, test } from 'vitest'
import { evalRunCommand } from '../src/eval-command'
import { fetchModelCards } from '../src/model-card'
import { createProgress } from '../src/progress'
import { DATASET, PROMPTS_FILE, captureContext, tempDir } from './eval-fixtures'

const servers: http.Server[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
})

async function serve(status: number, body: unknown): Promise<string> {
  const s = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  servers.push(s)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/v1`
}

async function closedPortUrl(): Promise<string> {
  const s = http.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise((r) => s.close(r))
  return `http://127.0.0.1:${port}/v1`
}

describe('preflight: GET /v1/models before any call', () => {
  test('a closed port fails with the connection error', async () => {
    const url = await closedPortUrl()
    await expect(fetchModelCards(url, { timeoutMs: 1000 })).rejects.toThrow(
      expect.objectContaining({
        code: 'EVAL_ERR_UNREACHABLE',
        message: expect.stringMatching(/unreachable \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)/),
      }),
    )
  })

  test('an HTTP error status is named', async () => {
    const url = await serve(401, { error: 'Unauthorized' })
    await expect(fetchModelCards(url, { timeoutMs: 1000 })).rejects.toThrow('GET /models answered HTTP 401')
  })

  test('a run stops before any call when the configured model is not served, naming what is', async () => {
    const url = await serve(200, { object: 'list', data: [{ id: 'Other', object: 'model', root: 'x', max_model_len: 4096 }] })
    const ctx = captureContext({ LLM_BASE_URL: url })
    await expect(evalRunCommand(['--dataset', DATASET, '--limit', '3', '--prompts-file', PROMPTS_FILE, '--out', await tempDir()], ctx)).rejects.toThrow(
      'model "Lexi" is not served at ' + url + ' (served: Other); set LLM_MODEL',
    )
  })
})

describe('progress without a TTY', () => {
  test('prints a plain line at every tenth of the run and at the end', () => {
    const lines: string[] = []
    let t = 0
    const p = createProgress({ total: 25, stream: { write: (s: string) => lines.push(s), isTTY: false }, now: () => t })
    for (let done = 1; done <= 25; done++) {
      t = done * 100
      p.tick(done, { errors: done > 20 ? 1 : 0 })
    }
    p.stop()
    expect(lines[0]).toBe('progress 2/25 (8%) 10.0 calls/s errors 0\n')
    expect(lines.at(-1)).toBe('progress 25/25 (100%) 10.0 calls/s errors 1\n')
    expect(lines).toHaveLength(13)
  })
})
