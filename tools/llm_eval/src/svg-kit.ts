/** SVG primitives shared by the report's inline charts (no library, no external resources). */

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

/** Colour per series, colour-blind friendly (Okabe–Ito). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000']
export const colour = (i: number): string => PALETTE[i % PALETTE.length] as string

export const num = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1))

export const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`)

/** An <svg> element with a class the report test looks for, a role and an accessible title. */
export function svg(kind: string, width: number, height: number, title: string, body: string): string {
  return (
    `<svg class="chart chart-${kind}" role="img" aria-label="${esc(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<title>${esc(title)}</title>${body}</svg>`
  )
}

export function text(x: number, y: number, s: string, o: { anchor?: 'start' | 'middle' | 'end'; size?: number; weight?: string; fill?: string } = {}): string {
  return (
    `<text x="${num(x)}" y="${num(y)}" font-size="${o.size ?? 11}" text-anchor="${o.anchor ?? 'start'}"` +
    `${o.weight ? ` font-weight="${o.weight}"` : ''} fill="${o.fill ?? '#222'}">${esc(s)}</text>`
  )
}

export const rect = (x: number, y: number, w: number, h: number, fill: string, tip?: string): string =>
  `<rect x="${num(x)}" y="${num(y)}" width="${num(Math.max(0, w))}" height="${num(Math.max(0, h))}" fill="${fill}">${tip ? `<title>${esc(tip)}</title>` : ''}</rect>`

export const line = (x1: number, y1: number, x2: number, y2: number, stroke = '#888', dash = false): string =>
  `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${stroke}" stroke-width="1"${dash ? ' stroke-dasharray="4 3"' : ''}/>`

const legendItemWidth = (label: string): number => 24 + label.length * 6.2

/** Width of legend(labels) in pixels (11 px text). */
export const legendWidth = (labels: readonly string[]): number => labels.reduce((s, l) => s + legendItemWidth(l), 0)

/** A row of coloured squares with labels, starting at (x, y). */
export function legend(x: number, y: number, labels: readonly string[]): string {
  let cx = x
  let out = ''
  labels.forEach((l, i) => {
    out += rect(cx, y - 9, 10, 10, colour(i)) + text(cx + 14, y, l)
    cx += legendItemWidth(l)
  })
  return out
}
