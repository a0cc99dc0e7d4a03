import type { Histogram } from './percentile'
import { colour, legend, legendWidth, line, num, pct, rect, svg, text } from './svg-kit'

/** Width of a text at the charts' 11 px font, estimated (no font metrics in a static SVG). */
const textWidth = (s: string): number => s.length * 6.2

export interface MarkLabel {
  name: string
  text: string
  x: number
  y: number
  anchor: 'start' | 'end'
}

/**
 * Places the labels of vertical marks (p50, p95: x ascending) above the plot so that none overlaps
 * another or leaves [minX, maxX]: the first label goes left of its line and the second right of it
 * (so they point away from each other), a label that would leave the chart flips side, and when two
 * labels still collide the later one moves up a row.
 */
export function placeMarkLabels(
  marks: ReadonlyArray<{ name: string; text: string; x: number }>,
  o: { minX: number; maxX: number; rows: readonly number[]; gap?: number },
): MarkLabel[] {
  const gap = o.gap ?? 4
  const placed: Array<MarkLabel & { x0: number; x1: number }> = []
  marks.forEach((m, i) => {
    const w = textWidth(m.text)
    let anchor: 'start' | 'end' = marks.length > 1 && i === 0 ? 'end' : 'start'
    if (anchor === 'end' && m.x - gap - w < o.minX) anchor = 'start'
    if (anchor === 'start' && m.x + gap + w > o.maxX) anchor = 'end'
    const x = anchor === 'start' ? Math.min(m.x + gap, o.maxX - w) : Math.max(m.x - gap, o.minX + w)
    const x0 = anchor === 'start' ? x : x - w
    const x1 = x0 + w
    const row = o.rows.findIndex((y) => placed.every((p) => p.y !== y || x1 + gap <= p.x0 || x0 >= p.x1 + gap))
    const y = o.rows[row < 0 ? o.rows.length - 1 : row] as number
    placed.push({ name: m.name, text: m.text, x, y, anchor, x0, x1 })
  })
  return placed.map(({ x0: _x0, x1: _x1, ...l }) => l)
}

/** One latency histogram per version on shared bins, with p50 and p95 marked (labels above the plot). */
export function latencyHistogramSvg(label: string, index: number, hist: Histogram, marks: { p50: number | null; p95: number | null }): string {
  const W = 560
  const H = 220
  const L = 44
  const R = 12
  const T = 50
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
    body +=
      line(xOf(ms), H - B, xOf(ms), H - B + 4, '#444') +
      text(xOf(ms), H - B + 16, num(Math.round(ms)), { anchor: k === 4 ? 'end' : k === 0 ? 'start' : 'middle' })
  }
  body += text(L - 6, T + 4, String(max), { anchor: 'end' }) + text(L - 6, H - B, '0', { anchor: 'end' })
  const shown = (
    [
      ['p50', marks.p50],
      ['p95', marks.p95],
    ] as const
  )
    .filter((m): m is readonly ['p50' | 'p95', number] => m[1] !== null)
    .map(([name, v]) => ({ name, text: `${name} ${Math.round(v)} ms`, x: xOf(v) }))
  // Two rows between the title (y 16) and the plot (y T): row 0 just above the plot.
  for (const l of placeMarkLabels(shown, { minX: 2, maxX: W - 2, rows: [T - 6, T - 20] })) {
    const x = shown.find((m) => m.name === l.name)?.x as number
    body += line(x, l.y + 3, x, H - B, '#C00', true) + text(l.x, l.y, l.text, { fill: '#C00', anchor: l.anchor })
  }
  body += text((L + W - R) / 2, H - 4, 'latency (ms)', { anchor: 'middle', fill: '#555' })
  return svg('latency', W, H, `Latency histogram of ${label}`, body)
}

/** Grouped bars in percent: one group per version, one bar per validity measure. */
export function validityBarsSvg(groups: ReadonlyArray<{ label: string; values: ReadonlyArray<number | null> }>, series: readonly string[]): string {
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
export function decisionMixSvg(prompt: string, rows: ReadonlyArray<{ label: string; mix: Readonly<Record<string, number>> }>): string {
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
