import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { ApiError, NotFoundError } from '@pulsetrade/http'

/** services/admin/console: copied beside the bundle by scripts/build-dist.ts (it follows this literal). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url))

/** Where the image carries uPlot's files (build-dist copies them there: the image has no node_modules). */
export const BUNDLED_VENDOR = path.join('vendor', 'uplot')
/** The files of uPlot the page loads, and its licence. */
export const UPLOT_FILES = ['uPlot.esm.js', 'uPlot.min.css', 'LICENSE']

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '': 'text/plain; charset=utf-8',
}

/**
 * Same origin only: scripts, styles and data come from this service, nothing is framed, no form
 * posts elsewhere. uPlot sizes its canvas through element.style (CSSOM), which style-src allows.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** The console's files are absent (a build or image without them): the page cannot be served. */
export class ConsoleFilesMissingError extends ApiError {
  override code = 'CONSOLE_FILES_MISSING'
  constructor(what: string) {
    super(503, `the operator console's files are missing (${what}); the JSON routes still answer`)
  }
}

interface Asset {
  body: Buffer
  type: string
  etag: string
  cacheControl: string
}

/** uPlot's dist/ in node_modules (running from the workspace); null inside the image. */
function uplotFromNodeModules(): string | null {
  try {
    const main = createRequire(import.meta.url).resolve('uplot')
    return path.dirname(main)
  } catch {
    return null
  }
}

function asset(file: string, cacheControl: string): Asset {
  const body = readFileSync(file)
  return {
    body,
    type: TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    cacheControl,
  }
}

/** Every regular file under dir, by its URL path relative to dir ("a/b.js"). */
function walk(dir: string, prefix = ''): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`
    if (e.isDirectory()) out.push(...walk(path.join(dir, e.name), rel))
    else if (e.isFile()) out.push(rel)
  }
  return out
}

/**
 * The files the page may ask for, read once: a request can only name a key of this map, so no path
 * from the URL ever reaches the file system (no traversal, no symlink surprises).
 */
export function loadConsoleAssets(dir: string = CONSOLE_DIR, uplotDir: string | null = null): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConsoleFilesMissingError(`no directory ${dir}`)
  for (const rel of walk(dir)) {
    // The page's own files change with each release: the browser revalidates them (ETag → 304).
    assets.set(rel, asset(path.join(dir, rel), 'no-cache'))
  }
  if (!assets.has('index.html')) throw new ConsoleFilesMissingError(`no index.html in ${dir}`)
  const vendor = uplotDir ?? (existsSync(path.join(dir, BUNDLED_VENDOR)) ? path.join(dir, BUNDLED_VENDOR) : uplotFromNodeModules())
  for (const f of UPLOT_FILES) {
    // The package keeps its LICENSE one level above dist/; the image keeps it beside the scripts.
    const found = vendor === null ? undefined : [path.join(vendor, f), path.join(vendor, '..', f)].find((p) => existsSync(p))
    if (found === undefined) throw new ConsoleFilesMissingError(`uPlot's ${f} (looked in ${vendor ?? 'node_modules'})`)
    // A pinned library version: cached for a day, revalidated after.
    assets.set(`vendor/uplot/${f}`, asset(found, 'public, max-age=86400'))
  }
  return assets
}

export interface ConsoleStaticOptions {
  /** Defaults to CONSOLE_DIR. */
  dir?: string
  /** uPlot's dist directory; defaults to the copy in the image, else node_modules. */
  uplotDir?: string
}

function send(reply: FastifyReply, a: Asset, ifNoneMatch: string | undefined): FastifyReply {
  reply
    .header('content-type', a.type)
    .header('cache-control', a.cacheControl)
    .header('etag', a.etag)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', CONSOLE_CSP)
  if (ifNoneMatch !== undefined && ifNoneMatch.split(/\s*,\s*/).includes(a.etag)) return reply.code(304).send()
  // HEAD: Fastify's exposed head route drops this body and keeps its length.
  return reply.send(a.body)
}

/**
 * GET /console/ (the page) and GET /console/<file> (its scripts, styles and the local uPlot). Open
 * to everyone like the page of any login screen: the page holds no data; every JSON route it reads
 * needs a session or a bearer token. Static paths (/console/session, /console/config) win over the
 * wildcard in Fastify's router, so this route never shadows them.
 */
export async function consoleStaticRoutes(app: FastifyInstance, opts: ConsoleStaticOptions = {}): Promise<void> {
  let assets: Map<string, Asset> | null = null
  let missing: ConsoleFilesMissingError | null = null
  try {
    assets = loadConsoleAssets(opts.dir ?? CONSOLE_DIR, opts.uplotDir ?? null)
  } catch (err) {
    if (!(err instanceof ConsoleFilesMissingError)) throw err
    missing = err
    app.log.error({ err: err.message }, 'operator console disabled: its files are missing')
  }
  const lookup = (rel: string): Asset => {
    if (assets === null) throw missing!
    const a = assets.get(rel === '' ? 'index.html' : rel)
    if (a === undefined) throw new NotFoundError(`no console file ${JSON.stringify(rel)}`)
    return a
  }
  const hide = { hide: true }
  app.get('/console', { schema: hide }, async (_req, reply) => reply.redirect('/console/', 301))
  app.get<{ Params: { '*': string } }>('/console/*', { schema: hide, exposeHeadRoute: true }, async (req, reply) =>
    send(reply, lookup(req.params['*']), req.headers['if-none-match']),
  )
}
