import type { z } from 'zod'
import type { OrderInputSchema } from '@pulsetrade/llm'
import type { ModelForecast } from '../models/model'

export type ProposedOrder = z.infer<typeof OrderInputSchema>

export interface SizingRule {
  /** No order when |p_up - 0.5| is below this. */
  minEdge: number
  /** |p_up - 0.5| at which the full target notional is used. */
  fullEdge: number
  /** Notional of a full-confidence order, in price units. */
  targetNotional: number
  /** Quantities are whole multiples of this. */
  lotSize: number
}

export const DEFAULT_SIZING: SizingRule = { minEdge: 0.01, fullEdge: 0.1, targetNotional: 100_000, lotSize: 1 }

/**
 * The sizing rule. edge = |p_up - 0.5|; below minEdge there is no order. Otherwise
 *   side       = buy when mu > 0, sell when mu < 0 (no order when mu = 0)
 *   confidence = min(1, edge / fullEdge)
 *   qty        = floor(targetNotional · confidence / ref_price / lot) · lot   (no order when 0)
 *   notional   = qty · ref_price
 * ref_price is the close of the asof bar. The gate may later shrink qty by the LLM's size_factor.
 */
export function proposeOrder(f: ModelForecast, refPrice: number, rule: SizingRule = DEFAULT_SIZING): ProposedOrder | null {
  const edge = Math.abs(f.p_up - 0.5)
  if (edge < rule.minEdge || f.mu === 0 || !(refPrice > 0)) return null
  const confidence = Math.min(1, edge / rule.fullEdge)
  const lots = Math.floor((rule.targetNotional * confidence) / refPrice / rule.lotSize + 1e-9)
  const qty = Number((lots * rule.lotSize).toPrecision(12))
  if (qty <= 0) return null
  return { side: f.mu > 0 ? 'buy' : 'sell', qty, ref_price: refPrice, notional: Number((qty * refPrice).toPrecision(12)) }
}
