import type { Histogram } from './percentile'
import { colour, legend, legendWidth, line, num, pct, rect, svg, text } from './svg-kit'

/** One latency histogram per version on shared bins, with p50 and p95 marked. */
export function latencyHistogramSvg (label: string, index: number, hist: Histogram, marks: { p50: number | null, p95: number | null }): string {
  const W = 560
  const H = 200
  const L = 44
  const R = 12
  const T = 26
  const B = 34
  const counts = hist.counts[label] ?? []
  const max = Math.max(1, ...counts)
  const lo = hist.edges_ms[0] ?? 0
  const hi = hist.edges_ms[hist.edges_ms.length - 1] ?? 1
  const span = hi > lo ? hi - lo : 1
  const xOf = (ms: number): number => L + ((ms - lo) / span) * (W - L - R)
  const yOf = (c: number): number => T + (1 - c / max) * (H - T - B)
  let body = text(L, 16, `${label}: latency (ms), ${counts.reduce((s, c) => s + c, 0)} calls`, { weight: 'bold', size: 12 })
  body += line(L, H - B, W - R, H - B, '#444') + line(L, T, L, H - B, '#444')
  counts.forEach((c, i) => {
    const x0 = xOf(hist.edges_ms[i] ?? lo)
    const x1 = xOf(hist.edges_ms[i + 1] ?? hi)
    body += rect(x0 + 0.5, yOf(c), x1 - x0 - 1, H - B - yOf(c), colour(index), `${num(hist.edges_ms[i] ?? lo)}–${num(hist.edges_ms[i + 1] ?? hi)} ms: ${c}`)
  })
  for (let k = 0; k <= 4; k++) {
    const ms = lo + (span * k) / 4
    body += line(xOf(ms), H - B, xOf(ms), H - B + 4, '#444') + text(xOf(ms), H - B + 16, num(Math.round(ms)), { anchor: k === 4 ? 'end' : k === 0 ? 'start' : 'middle' })
  }
  body += text(L - 6, T + 4, String(max), { anchor: 'end' }) + text(L - 6, H - B, '0', { anchor: 'end' })
  for (const [name, v] of [['p50', marks.p50], ['p95', marks.p95]] as const) {
    if (v === null) continue
    const x = xOf(v)
    const leftOfLine = x > W - R - 90
    body += line(x, T, x, H - B, '#C00', true) +
      text(leftOfLine ? x - 3 : x + 3, T + (name === 'p50' ? 10 : 22), `${name} ${Math.round(v)} ms`, { fill: '#C00', anchor: leftOfLine ? 'end' : 'start' })
  }
  body += text((L + W - R) / 2, H - 4, 'latency (ms)', { anchor: 'middle', fill: '#555' })
  return svg('latency', W, H, `Latency histogram of ${label}`, body)
}

/** Grouped bars in percent: one group per version, one bar per validity measure. */
export function validityBarsSvg (groups: ReadonlyArray<{ label: string, values: ReadonlyArray<number | null> }>, series: readonly string[]): string {
  const L = 44
  const T = 58
  const B = 44
  const H = 260
  const barW = 22
  const groupW = series.length * barW + 30
  const W = Math.max(legendWidth(series) + L + 10, L + groups.length * groupW + 20)
  const yOf = (v: number): number => T + (1 - v) * (H - T - B)
  let body = text(L, 16, 'Validity per version (share of calls)', { weight: 'bold', size: 12 }) + legend(L, 34, series)
  for (const v of [0, 0.25, 0.5, 0.75, 1]) body += line(L, yOf(v), W - 10, yOf(v), '#ddd') + text(L - 6, yOf(v) + 4, `${v * 100}%`, { anchor: 'end' })
  groups.forEach((g, gi) => {
    const x0 = L + 10 + gi * groupW
    g.values.forEach((v, si) => {
      const x = x0 + si * barW
      const val = v ?? 0
      body += rect(x, yOf(val), barW - 3, H - B - yOf(val), colour(si), `${g.label} ${series[si]}: ${pct(v)}`)
      body += text(x + (barW - 3) / 2, yOf(val) - 3, v === null ? 'n/a' : (v * 100).toFixed(0), { anchor: 'middle', size: 9 })
    })
    body += text(x0 + (series.length * barW) / 2, H - B + 16, g.label, { anchor: 'middle' })
  })
  body += line(L, H - B, W - 10, H - B, '#444')
  return svg('validity', W, H, 'Validity per version', body)
}

/** One 100 % stacked horizontal bar per version: its decision mix, counts in the tooltips. */
export function decisionMixSvg (prompt: string, rows: ReadonlyArray<{ label: string, mix: Readonly<Record<string, number>> }>): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.mix)))]
  const L = 130
  const W = 620
  const rowH = 28
  const T = 44
  const H = T + rows.length * rowH + 10
  let body = text(8, 16, `Decision mix of ${prompt} per version`, { weight: 'bold', size: 12 }) + legend(8, 34, keys)
  rows.forEach((r, ri) => {
    const total = Object.values(r.mix).reduce((s, c) => s + c, 0)
    const y = T + ri * rowH
    body += text(L - 6, y + 15, r.label, { anchor: 'end' })
    let x = L
    keys.forEach((k, ki) => {
      const c = r.mix[k] ?? 0
      const w = total === 0 ? 0 : (c / total) * (W - L - 10)
      body += rect(x, y, w, rowH - 8, colour(ki), `${r.label} ${k}: ${c} (${pct(total === 0 ? null : c / total)})`)
      if (w > 34) body += text(x + w / 2, y + 14, `${c}`, { anchor: 'middle', fill: '#fff', size: 10 })
      x += w
    })
  })
  return svg('decisions', W, H, `Decision mix of ${prompt} per version`, body)
}
