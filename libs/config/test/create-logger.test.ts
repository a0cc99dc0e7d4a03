import { Writable } from 'node:stream'
import { expect, test } from 'vitest'
import { createLogger } from '@pulsetrade/config'

function sink(): { stream: Writable; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk))
      cb()
    },
  })
  return {
    stream,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  }
}

test('logs JSON lines tagged with the service at the configured level', () => {
  const s = sink()
  const log = createLogger({ LOG_LEVEL: 'warn', LOG_PRETTY: false }, 'api', s.stream)
  log.info('hidden')
  log.child({ component: 'llm' }).warn({ latency_ms: 12 }, 'slow call')
  expect(s.lines()).toEqual([expect.objectContaining({ service: 'api', component: 'llm', latency_ms: 12, msg: 'slow call', level: 40 })])
})

test('redacts authorization headers and API keys wherever they are logged', () => {
  const s = sink()
  const log = createLogger({ LOG_LEVEL: 'info', LOG_PRETTY: false }, 'api', s.stream)
  log.info({ req: { headers: { authorization: 'Bearer admin-secret' } } }, 'request')
  log.info({ headers: { authorization: 'Bearer t1' }, upstream: { apiKey: 'sk-1', api_key: 'sk-2' }, apiKey: 'sk-3' }, 'call')
  log.info({ request: { headers: { authorization: 'Bearer t2' } }, opts: { authorization: 'Bearer t3' } }, 'nested')
  const text = s.text()
  for (const secret of ['admin-secret', 't1', 'sk-1', 'sk-2', 'sk-3', 't2', 't3']) expect(text).not.toContain(secret)
  const [a, b] = s.lines()
  expect((a?.req as { headers: { authorization: string } }).headers.authorization).toBe('[redacted]')
  expect(b).toMatchObject({ headers: { authorization: '[redacted]' }, upstream: { apiKey: '[redacted]', api_key: '[redacted]' }, apiKey: '[redacted]' })
})

test('LOG_PRETTY prints human-readable lines instead of JSON', () => {
  const s = sink()
  const log = createLogger({ LOG_LEVEL: 'info', LOG_PRETTY: true }, 'api', s.stream)
  log.info({ apiKey: 'sk-9' }, 'hello there')
  const text = s.text()
  expect(text).toContain('hello there')
  expect(text).toContain('INFO')
  expect(() => JSON.parse(text.trim())).toThrow()
  expect(text).not.toContain('sk-9')
})

test('a token in a logged request URL is redacted (issue 15)', () => {
  const s = sink()
  const log = createLogger({ LOG_LEVEL: 'info', LOG_PRETTY: false }, 'api', s.stream)
  log.info({ req: { method: 'GET', url: '/llm/admin/prompts?token=tok-secret-1&limit=5&api_key=tok-secret-2', raw: {}, ip: '127.0.0.1' } }, 'incoming request')
  log.info({ req: { url: '/x?access_token=tok-secret-3' } }, 'plain object')
  const text = s.text()
  for (const secret of ['tok-secret-1', 'tok-secret-2', 'tok-secret-3']) expect(text).not.toContain(secret)
  expect(s.lines()[0]).toMatchObject({
    req: { method: 'GET', url: '/llm/admin/prompts?token=[redacted]&limit=5&api_key=[redacted]', remoteAddress: '127.0.0.1' },
  })
})
