import { mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { configureApp } from '@pulsetrade/http'
import { CONSOLE_CSP, consoleStaticRoutes } from '../../src/routes/console-static'
import { testDatabase } from '../../../../test/db'
import { buildTestApp } from '../build-test-app'

/** A GET with the path sent byte for byte (fetch and inject would normalise `..` away). */
function raw(
  base: string,
  rawPath: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: rawPath, method, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the console page route of the admin app', () => {
  let app: FastifyInstance
  let base: string
  beforeAll(async () => {
    const db = await testDatabase()
    app = buildTestApp(db, 'http://127.0.0.1:9/v1').app
    await app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await app?.close()
  })

  test('serves the page, its modules, its CSS and uPlot with their types, cache headers and the CSP', async () => {
    const cases: Array<[string, string, string]> = [
      ['/console/', 'text/html; charset=utf-8', 'no-cache'],
      ['/console/app.js', 'text/javascript; charset=utf-8', 'no-cache'],
      ['/console/views/decisions.js', 'text/javascript; charset=utf-8', 'no-cache'],
      ['/console/console.css', 'text/css; charset=utf-8', 'no-cache'],
      ['/console/vendor/uplot/uPlot.esm.js', 'text/javascript; charset=utf-8', 'public, max-age=86400'],
      ['/console/vendor/uplot/uPlot.min.css', 'text/css; charset=utf-8', 'public, max-age=86400'],
    ]
    for (const [url, type, cache] of cases) {
      const res = await raw(base, url)
      expect(res.status, url).toBe(200)
      expect(res.headers['content-type'], url).toBe(type)
      expect(res.headers['cache-control'], url).toBe(cache)
      expect(res.headers['x-content-type-options'], url).toBe('nosniff')
      expect(res.headers['content-security-policy'], url).toBe(CONSOLE_CSP)
      expect(res.body.length, url).toBeGreaterThan(100)
    }
    expect((await raw(base, '/console/')).body).toMatch(/<script type="module" src="app.js"><\/script>/)
    expect(CONSOLE_CSP).toMatch(/script-src 'self'/)
    expect(CONSOLE_CSP).not.toMatch(/unsafe|https?:/)
  })

  test('/console redirects to /console/; ETag revalidates to 304; HEAD has the length and no body', async () => {
    const r = await raw(base, '/console')
    expect(r.status).toBe(301)
    expect(r.headers.location).toBe('/console/')
    const first = await raw(base, '/console/app.js')
    const again = await raw(base, '/console/app.js', { 'if-none-match': String(first.headers.etag) })
    expect(again.status).toBe(304)
    expect(again.body).toBe('')
    const head = await raw(base, '/console/app.js', {}, 'HEAD')
    expect(head.status).toBe(200)
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(first.body))
    expect(head.body).toBe('')
  })

  test('no path outside the listed files: traversal, encoded traversal, dot files and unknown files are 404', async () => {
    for (const p of [
      '/console/../package.json',
      '/console/../../../../etc/passwd',
      '/console/%2e%2e/package.json',
      '/console/%2e%2e%2f%2e%2e%2fsrc%2fapp.ts',
      '/console/..%5c..%5cpackage.json',
      '/console/views/../../src/app.ts',
      '/console/vendor/uplot/package.json',
      '/console/vendor/uplot/../../../package.json',
      '/console/.eslintrc',
      '/console/nope.js',
      '/console/%00',
    ]) {
      const res = await raw(base, p)
      expect([400, 404], p).toContain(res.status)
      expect(res.body, p).not.toMatch(/"name"\s*:\s*"@pulsetrade|root:|import /)
    }
  })

  test('the page needs no session, the JSON routes beside it still do (the wildcard does not shadow them)', async () => {
    expect((await raw(base, '/console/')).status).toBe(200)
    expect((await raw(base, '/console/session')).status).toBe(401)
    expect((await raw(base, '/llm/admin/decisions')).status).toBe(401)
  })
})

test('without its files the route answers 503 CONSOLE_FILES_MISSING and the app still starts', async () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'console-empty-'))
  writeFileSync(path.join(empty, 'app.js'), '// no index.html here\n')
  const app = Fastify({ logger: false })
  configureApp(app, { registry: new Registry() })
  app.register(consoleStaticRoutes, { dir: empty })
  await app.ready()
  const res = await app.inject({ url: '/console/' })
  expect(res.statusCode).toBe(503)
  expect(res.json()).toMatchObject({ code: 'CONSOLE_FILES_MISSING' })
  await app.close()
})
