import type { Registry } from 'prom-client'

/**
 * A labelled-once histogram registered on a prom-client Registry (which renders it). Observing is
 * a bucket search and three additions, no label hashing: the simulator observes every token.
 */
export class FastHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly counts: number[]
  private sum = 0
  private count = 0

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    private readonly labels: Record<string, string>,
    registry: Registry,
  ) {
    this.counts = new Array<number>(buckets.length).fill(0)
    // prom-client accepts any object with name/help/type/get() as a metric.
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0])
  }

  /** Records `times` observations of `value`. */
  observe(value: number, times = 1): void {
    const b = this.buckets
    let lo = 0
    let hi = b.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((b[mid] as number) < value) lo = mid + 1
      else hi = mid
    }
    if (lo < b.length) this.counts[lo] = (this.counts[lo] as number) + times
    this.sum += value * times
    this.count += times
  }

  get(): {
    name: string
    help: string
    type: string
    aggregator: string
    values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }>
  } {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = []
    let cumulative = 0
    this.buckets.forEach((le, i) => {
      cumulative += this.counts[i] as number
      values.push({ labels: { ...this.labels, le }, value: cumulative, metricName: `${this.name}_bucket` })
    })
    values.push({ labels: { ...this.labels, le: '+Inf' }, value: this.count, metricName: `${this.name}_bucket` })
    values.push({ labels: this.labels, value: this.sum, metricName: `${this.name}_sum` })
    values.push({ labels: this.labels, value: this.count, metricName: `${this.name}_count` })
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }
}
