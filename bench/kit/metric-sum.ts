import type { Registry } from 'prom-client'

/** Sum and count of a histogram (all label sets together) from a prom-client registry. */
export async function metricSum(registry: Registry, histogram: string): Promise<{ sum: number; count: number }> {
  const metric = registry.getSingleMetric(histogram)
  if (!metric) return { sum: 0, count: 0 }
  const { values } = await metric.get()
  let sum = 0
  let count = 0
  for (const v of values) {
    const name = (v as { metricName?: string }).metricName
    if (name === `${histogram}_sum`) sum += v.value
    if (name === `${histogram}_count`) count += v.value
  }
  return { sum, count }
}
