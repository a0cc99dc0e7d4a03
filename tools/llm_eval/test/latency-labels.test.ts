import { parseDocument, DomUtils } from 'htmlparser2'
import { describe, expect, test } from 'vitest'
import { latencyHistogramSvg, placeMarkLabels } from '../src/svg-charts'

interface Box {
  x0: number
  x1: number
  y0: number
  y1: number
  what: string
}

const overlap = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1

/** The red mark labels, the bars and the dashed mark lines of a latency chart, as boxes (11 px text ≈ 6.2 px a character). */
function geometry(svg: string): { labels: Box[]; bars: Box[]; lines: Box[] } {
  const doc = parseDocument(svg)
  const all = DomUtils.findAll(() => true, doc.children)
  const n = (e: { attribs: Record<string, string> }, k: string): number => Number(e.attribs[k])
  const labels = all
    .filter((e) => e.name === 'text' && e.attribs.fill === '#C00')
    .map((e) => {
      const s = DomUtils.textContent(e)
      const w = s.length * 6.2
      const x = n(e, 'x')
      const x0 = e.attribs['text-anchor'] === 'end' ? x - w : e.attribs['text-anchor'] === 'middle' ? x - w / 2 : x
      return { x0, x1: x0 + w, y0: n(e, 'y') - 9, y1: n(e, 'y') + 2, what: s }
    })
  const bars = all
    .filter((e) => e.name === 'rect')
    .map((e) => ({ x0: n(e, 'x'), x1: n(e, 'x') + n(e, 'width'), y0: n(e, 'y'), y1: n(e, 'y') + n(e, 'height'), what: 'bar' }))
  const lines = all
    .filter((e) => e.name === 'line' && e.attribs.stroke === '#C00')
    .map((e) => ({ x0: n(e, 'x1') - 0.5, x1: n(e, 'x1') + 0.5, y0: n(e, 'y1'), y1: n(e, 'y2'), what: 'line' }))
  return { labels, bars, lines }
}

// Every bar at full height, so any label drawn inside the plot would sit on a bar.
const hist = { edges_ms: Array.from({ length: 21 }, (_, i) => 100 + i * 50), counts: { a: new Array(20).fill(9) } }

describe('latency chart p50/p95 labels', () => {
  test.each([
    ['p50 = p95', 400, 400],
    ['close together', 400, 420],
    ['far apart', 150, 1000],
    ['both at the left edge', 100, 101],
    ['both at the right edge', 1099, 1100],
    ['p50 left, p95 at the right edge', 105, 1100],
    ['one bin apart mid-range', 600, 650],
  ])("%s: labels overlap neither each other, the bars nor the other mark's line, and stay inside the chart", (_name, p50, p95) => {
    const svg = latencyHistogramSvg('a', 0, hist, { p50, p95 })
    const g = geometry(svg)
    expect(g.labels.map((l) => l.what)).toEqual([`p50 ${p50} ms`, `p95 ${p95} ms`])
    const [a, b] = g.labels as [Box, Box]
    expect(overlap(a, b), `${a.what} / ${b.what}`).toBe(false)
    for (const l of g.labels) {
      for (const bar of g.bars) expect(overlap(l, bar), `${l.what} on a bar`).toBe(false)
      expect(l.x0).toBeGreaterThanOrEqual(0)
      expect(l.x1).toBeLessThanOrEqual(560)
    }
    expect(overlap(a, g.lines[1] as Box), 'p95 line through the p50 label').toBe(false)
    expect(overlap(b, g.lines[0] as Box), 'p50 line through the p95 label').toBe(false)
  })

  test('placeMarkLabels never overlaps two labels anywhere on the axis', () => {
    for (let x50 = 0; x50 <= 560; x50 += 7) {
      for (let x95 = x50; x95 <= 560; x95 += 13) {
        const [a, b] = placeMarkLabels(
          [
            { name: 'p50', text: 'p50 12345 ms', x: x50 },
            { name: 'p95', text: 'p95 12345 ms', x: x95 },
          ],
          { minX: 2, maxX: 558, rows: [44, 30] },
        )
        const box = (l: NonNullable<typeof a>): Box => {
          const w = l.text.length * 6.2
          const x0 = l.anchor === 'end' ? l.x - w : l.x
          return { x0, x1: x0 + w, y0: l.y - 9, y1: l.y + 2, what: l.name }
        }
        expect(overlap(box(a as NonNullable<typeof a>), box(b as NonNullable<typeof b>)), `${x50} ${x95}`).toBe(false)
      }
    }
  })
})
