import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SimContext } from './context'
import { handleControl, type SimControl } from './control-routes'
import { detailError, envelopeError, unauthorizedError, validationError } from './errors'
import { handleGeneration } from './generation-route'
import { BodyTooLargeError, mediaTypeError, readBody, sendError } from './http-io'
import { handleDetokenize, handleHealth, handleLoad, handleMetrics, handleModels, handleTokenize, handleVersion } from './info-routes'

const ROUTES: Record<string, string[]> = {
  '/v1/models': ['GET'],
  '/v1/chat/completions': ['POST'],
  '/v1/completions': ['POST'],
  '/health': ['GET'],
  '/ping': ['GET', 'POST'],
  '/version': ['GET'],
  '/load': ['GET'],
  '/metrics': ['GET'],
  '/tokenize': ['POST'],
  '/detokenize': ['POST'],
}
const JSON_POSTS = new Set(['/v1/chat/completions', '/v1/completions', '/tokenize', '/detokenize'])

/** The request listener of one simulator: auth, media type, then the route. */
export function createRouter(ctx: SimContext, control: SimControl) {
  const withBody = (req: IncomingMessage, res: ServerResponse, fn: (raw: Buffer) => void | Promise<void>): void => {
    readBody(req)
      .then(fn)
      .catch((e: unknown) => {
        if (e instanceof BodyTooLargeError) sendError(res, detailError(413, 'Request Entity Too Large'))
        else if (!res.headersSent) sendError(res, envelopeError(ctx.behaviour, 500, 'Internal server error', 'InternalServerError'))
        ctx.logger.debug({ err: e }, 'request failed')
      })
  }

  return function route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q >= 0 ? url.slice(0, q) : url
    const method = req.method ?? 'GET'
    ctx.stats.route(path)
    if (path.startsWith('/sim/')) {
      if (method === 'POST')
        withBody(req, res, (raw) => {
          if (!handleControl(control, method, path, res, raw)) sendError(res, detailError(404, 'Not Found'))
        })
      else if (!handleControl(control, method, path, res, null)) sendError(res, detailError(404, 'Not Found'))
      return
    }
    // vLLM ≤0.10 guards only /v1 paths; OPTIONS (CORS preflight) passes.
    if (ctx.opts.apiKey !== null && method !== 'OPTIONS' && path.startsWith('/v1') && req.headers.authorization !== `Bearer ${ctx.opts.apiKey}`) {
      sendError(res, unauthorizedError())
      req.resume()
      return
    }
    const methods = ROUTES[path]
    if (methods === undefined) {
      sendError(res, detailError(404, 'Not Found'))
      req.resume()
      return
    }
    if (!methods.includes(method)) {
      sendError(res, detailError(405, 'Method Not Allowed'))
      req.resume()
      return
    }
    if (JSON_POSTS.has(path)) {
      const bad = mediaTypeError(req, ctx.behaviour.mediaTypeStatus, (m) => validationError(ctx.behaviour, m))
      if (bad !== null) {
        sendError(res, bad)
        req.resume()
        return
      }
    }
    switch (path) {
      case '/v1/models':
        handleModels(ctx, res)
        return
      case '/v1/chat/completions':
        withBody(req, res, (raw) => handleGeneration(ctx, 'chat', req, res, raw))
        return
      case '/v1/completions':
        withBody(req, res, (raw) => handleGeneration(ctx, 'completions', req, res, raw))
        return
      case '/health':
      case '/ping':
        handleHealth(ctx, res)
        req.resume()
        return
      case '/version':
        handleVersion(ctx, res)
        return
      case '/load':
        handleLoad(ctx, res)
        return
      case '/metrics':
        withBody(req, res, () => handleMetrics(ctx, res))
        return
      case '/tokenize':
        withBody(req, res, (raw) => handleTokenize(ctx, res, raw))
        return
      case '/detokenize':
        withBody(req, res, (raw) => handleDetokenize(ctx, res, raw))
        return
    }
  }
}
