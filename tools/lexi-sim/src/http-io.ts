import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { detailError, type SimHttpError } from './errors'

export const JSON_TYPE = 'application/json'
const MAX_BODY = 32 * 1024 * 1024

/** uvicorn's Server header; Node adds Date, Content-Length and keep-alive itself. */
export function sendBody(res: ServerResponse, status: number, body: string, contentType: string | null, extra?: OutgoingHttpHeaders): void {
  if (res.headersSent || res.destroyed) return
  const headers: OutgoingHttpHeaders = { server: 'uvicorn', 'content-length': Buffer.byteLength(body), ...extra }
  if (contentType !== null) headers['content-type'] = contentType
  res.writeHead(status, headers)
  res.end(body)
}

export function sendError(res: ServerResponse, err: SimHttpError, extra?: OutgoingHttpHeaders): void {
  sendBody(res, err.status, err.body, err.body === '' ? null : JSON_TYPE, extra)
}

export class BodyTooLargeError extends Error {
  readonly code = 'SIM_ERR_BODY_TOO_LARGE'
}

/** The request body; rejects past 32 MiB. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new BodyTooLargeError('request body over 32 MiB'))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** FastAPI's media-type gate on POST routes: null when the body is declared JSON. */
export function mediaTypeError(req: IncomingMessage, status: 415 | 400, toEnvelope: (message: string) => SimHttpError): SimHttpError | null {
  const media = (req.headers['content-type'] ?? '').toLowerCase().split(';', 1)[0]?.trim()
  if (media === JSON_TYPE) return null
  const message = "Unsupported Media Type: Only 'application/json' is allowed"
  return status === 415 ? detailError(415, message) : toEnvelope(message)
}
