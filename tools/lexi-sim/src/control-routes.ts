import type { IncomingMessage, ServerResponse } from 'node:http'
import { detailError } from './errors'
import { FaultsValidationError, parseFaultsPatch, type SimFaults } from './faults'
import { JSON_TYPE, readBody, sendBody, sendError } from './http-io'
import type { SimStatsSnapshot } from './stats'

/** What the /sim/* routes act on (the simulator's own programmatic API). */
export interface SimControl {
  faults: () => SimFaults
  setFaults: (patch: Partial<SimFaults>) => Promise<SimFaults>
  resetFaults: () => Promise<SimFaults>
  stats: () => SimStatsSnapshot
  resetStats: () => void
  /** Base URL of the separate control port (stays up while `down` closes the OpenAI port); null without one. */
  controlUrl: () => string | null
}

const CONTROL_URL_HEADER = 'x-sim-control-url'

/** GET/POST /sim/faults, GET /sim/stats, POST /sim/reset. Returns false for other paths. */
export function handleControl(c: SimControl, method: string, path: string, res: ServerResponse, raw: Buffer | null): boolean {
  const controlUrl = c.controlUrl()
  const json = (res: ServerResponse, status: number, value: unknown): void =>
    sendBody(res, status, JSON.stringify(value), JSON_TYPE, controlUrl === null ? undefined : { [CONTROL_URL_HEADER]: controlUrl })
  if (path === '/sim/faults' && method === 'GET') {
    json(res, 200, c.faults())
    return true
  }
  if (path === '/sim/faults' && method === 'POST') {
    let patch: Partial<SimFaults>
    try {
      patch = parseFaultsPatch(JSON.parse(raw?.toString('utf8') || '{}'))
    } catch (e) {
      const problems = e instanceof FaultsValidationError ? e.problems : ['body must be JSON']
      json(res, 400, { error: 'invalid faults', problems })
      return true
    }
    if (patch.down === true) {
      // Answer first: a `down` fault closes the socket this reply travels on.
      const next = { ...c.faults(), ...patch }
      res.once('finish', () => {
        void c.setFaults(patch)
      })
      json(res, 200, next)
      return true
    }
    // Anything else answers once applied: after the 200 of `down: false` the port is open again.
    void c.setFaults(patch).then(
      (applied) => json(res, 200, applied),
      (e: unknown) => json(res, 500, { error: 'faults not applied', problems: [String(e)] }),
    )
    return true
  }
  if (path === '/sim/stats' && method === 'GET') {
    json(res, 200, c.stats())
    return true
  }
  if (path === '/sim/reset' && method === 'POST') {
    c.resetStats()
    void c.resetFaults().then((f) => json(res, 200, { faults: f, stats: c.stats() }))
    return true
  }
  return false
}

/**
 * The request listener of the control port: only /sim/*, no API key. It is a server of its own so
 * that the `down` fault, which closes the OpenAI port, can be cleared over HTTP.
 */
export function createControlListener(c: SimControl) {
  return function control(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q >= 0 ? url.slice(0, q) : url
    const method = req.method ?? 'GET'
    readBody(req).then(
      (raw) => {
        if (!path.startsWith('/sim/') || !handleControl(c, method, path, res, method === 'POST' ? raw : null)) sendError(res, detailError(404, 'Not Found'))
      },
      () => {
        sendError(res, detailError(413, 'Request Entity Too Large'))
      },
    )
  }
}
