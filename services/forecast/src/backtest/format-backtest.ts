import type { BacktestResult } from './run-backtest'

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`

/** The backtest as a fixed-width text table (also valid Markdown). */
export function formatBacktest(r: BacktestResult): string {
  const head = ['model', 'version', 'n', 'hit rate', '95% CI (Wilson)', 'MAE', 'MAE / RW', 'Brier', 'Brier skill vs RW', '90% coverage']
  const rows = r.metrics.map((m) => [
    m.model,
    m.version,
    String(m.n),
    pct(m.hitRate),
    `${pct(m.hitLow)} – ${pct(m.hitHigh)}`,
    m.mae.toFixed(5),
    m.maeRatio.toFixed(4),
    m.brier.toFixed(5),
    `${(m.brierSkill * 100).toFixed(2)}%`,
    pct(m.coverage),
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  const span = r.from && r.to ? `${r.from.toISOString().slice(0, 10)} … ${r.to.toISOString().slice(0, 10)}` : 'no data'
  return [
    `walk-forward backtest: ${r.symbol}, horizon ${r.horizon} bar(s), forecasts ${span}`,
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n')
}
