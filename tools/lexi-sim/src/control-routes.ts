import type { ServerResponse } from 'node:http'
import { FaultsValidationError, parseFaultsPatch, type SimFaults } from './faults'
import { JSON_TYPE, sendBody } from './http-io'
import type { SimStatsSnapshot } from './stats'

/** What the /sim/* routes act on (the simulator's own programmatic API). */
export interface SimControl {
  faults: () => SimFaults
  setFaults: (patch: Partial<SimFaults>) => Promise<SimFaults>
  resetFaults: () => Promise<SimFaults>
  stats: () => SimStatsSnapshot
  resetStats: () => void
}

const json = (res: ServerResponse, status: number, value: unknown): void => sendBody(res, status, JSON.stringify(value), JSON_TYPE)

/** GET/POST /sim/faults, GET /sim/stats, POST /sim/reset. Returns false for other paths. */
export function handleControl (c: SimControl, method: string, path: string, res: ServerResponse, raw: Buffer | null): boolean {
  if (path === '/sim/faults' && method === 'GET') { json(res, 200, c.faults()); return true }
  if (path === '/sim/faults' && method === 'POST') {
    let patch: Partial<SimFaults>
    try {
      patch = parseFaultsPatch(JSON.parse(raw?.toString('utf8') || '{}'))
    } catch (e) {
      const problems = e instanceof FaultsValidationError ? e.problems : ['body must be JSON']
      json(res, 400, { error: 'invalid faults', problems })
      return true
    }
    // Answer first: a `down` fault closes the socket this reply travels on.
    const next = { ...c.faults(), ...patch }
    res.once('finish', () => { void c.setFaults(patch) })
    json(res, 200, next)
    return true
  }
  if (path === '/sim/stats' && method === 'GET') { json(res, 200, c.stats()); return true }
  if (path === '/sim/reset' && method === 'POST') {
    c.resetStats()
    void c.resetFaults().then((f) => json(res, 200, { faults: f, stats: c.stats() }))
    return true
  }
  return false
}
