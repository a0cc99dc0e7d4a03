import { createPrng } from './prng'

/**
 * A rationale that cites its input: for a structured request whose schema is the rationale's
 * (summary, drivers, risks, confidence) and whose prompt holds the forecast as JSON between
 * <forecast_data> and </forecast_data>, the simulator writes prose quoting the forecast's own
 * numbers the way the rationale prompt asks (returns as percentages with two decimals), so a
 * correct answer is grounded. With the `wrong_number` fault it cites one return that is not in the
 * data (a near miss of the real one), which the grounding check must catch.
 */

interface ForecastData {
  horizon: number
  forecast: { mu: number; sigma: number; p_up: number; q05: number; q95: number }
  signals: Record<string, number>
}

const DATA = /<forecast_data>\s*([\s\S]*?)\s*<\/forecast_data>/g

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** The schema is the rationale's: these four properties. */
export function isRationaleSchema(schema: Record<string, unknown> | null): boolean {
  const p = schema?.properties as Record<string, unknown> | undefined
  return p !== undefined && p !== null && ['summary', 'drivers', 'risks', 'confidence'].every((k) => Object.hasOwn(p, k))
}

/** The forecast JSON of a rendered rationale or policy prompt (the last tagged block that parses; the system text names the tags too), or null. */
export function forecastData(prompt: string): ForecastData | null {
  let d: unknown = null
  for (const m of prompt.matchAll(DATA)) {
    try {
      d = JSON.parse(m[1] as string)
    } catch {
      /* the tags named in prose, not a data block */
    }
  }
  const o = d as Partial<ForecastData> | null
  const f = o?.forecast
  if (!isNum(o?.horizon) || f == null || ![f.mu, f.sigma, f.p_up, f.q05, f.q95].every(isNum)) return null
  const signals: Record<string, number> = {}
  for (const [k, v] of Object.entries(o?.signals ?? {})) if (isNum(v)) signals[k] = v
  return { horizon: o.horizon as number, forecast: f, signals }
}

const pct = (v: number): string => `${v < 0 ? '-' : '+'}${Math.abs(v * 100).toFixed(2)} %`

/** Every value of the data a number could be read as (bare and in percent), for the wrong number to avoid. */
function taken(d: ForecastData): number[] {
  const f = d.forecast
  const raw = [f.mu, f.sigma, f.p_up, 1 - f.p_up, Math.abs(f.p_up - 0.5), f.q05, f.q95, f.q95 - f.q05, ...Object.values(d.signals)]
  return raw.flatMap((v) => [Math.abs(v), Math.abs(v * 100)])
}

/** A percentage near `v` (same sign, 0.37 to 0.99 points away) that is none of the data's values. */
function wrongPct(v: number, d: ForecastData, seed: number): string {
  const avoid = taken(d)
  const dir = v < 0 ? -1 : 1
  let shift = 0.37 + 0.62 * createPrng(seed ^ 0x0bad).next()
  for (;;) {
    const w = Math.abs(v * 100) + shift
    const shown = Number(w.toFixed(2))
    if (avoid.every((a) => Math.abs(a - shown) > 0.02)) return `${dir < 0 ? '-' : '+'}${shown.toFixed(2)} %`
    shift += 0.37
  }
}

/** The JSON text of a rationale for `d`; `wrong`: one cited return is not in the data. */
export function rationaleAnswer(d: ForecastData, seed: number, wrong: boolean): string {
  const f = d.forecast
  const up = f.mu >= 0
  const mu = wrong ? wrongPct(f.mu, d, seed) : pct(f.mu)
  const s = d.signals
  const drivers: string[] = []
  for (const [name, label] of [
    ['ret_5', '5-bar'],
    ['ret_20', '20-bar'],
    ['ret_1', '1-bar'],
  ] as const) {
    const v = s[name]
    if (v !== undefined) drivers.push(`${label} return ${pct(v)}, ${v >= 0 === up ? 'in' : 'against'} the forecast direction`)
  }
  if (drivers.length === 0) drivers.push(`p_up ${f.p_up.toFixed(2)}`)
  const risks = [`q05-q95 interval from ${pct(f.q05)} to ${pct(f.q95)}`]
  if (s.vol_20 !== undefined) risks.push(`vol_20 at ${(s.vol_20 * 100).toFixed(2)} % per bar`)
  if (s.rsi_14 !== undefined) risks.push(`RSI ${s.rsi_14.toFixed(2)}`)
  if (s.zscore_20 !== undefined) risks.push(`zscore_20 at ${s.zscore_20.toFixed(2)}`)
  const confidence = Math.round(Math.min(0.95, Math.max(0.05, 0.5 + Math.abs(f.p_up - 0.5))) * 100) / 100
  return JSON.stringify({
    summary: `The forecast over ${d.horizon} bars points ${up ? 'up' : 'down'}: p_up ${f.p_up.toFixed(2)}, mu ${mu} against sigma ${(f.sigma * 100).toFixed(2)} %.`,
    drivers: drivers.slice(0, 5),
    risks: risks.slice(0, 5),
    confidence,
  })
}
