import { z } from 'zod'
import { LlmInputsSchema, type LlmInputs } from '@pulsetrade/llm'

/** One historical signal to replay: the stored prompt inputs and, when known, what happened next. */
export interface EvalItem {
  id: string
  inputs: LlmInputs
  /** Log return over the forecast horizon (forecasts.realized_return), null while unresolved. */
  realized_return: number | null
}

/** A dataset line: LlmInputs plus `id` and an optional `realized_return`. */
export const DatasetLineSchema = LlmInputsSchema.extend({
  id: z.union([z.string().min(1), z.number().int()]),
  realized_return: z.number().nullable().optional(),
})
export type DatasetLine = z.infer<typeof DatasetLineSchema>

/** Splits a dataset line into an EvalItem; the inputs keep exactly the LlmInputs fields. */
export function toEvalItem(line: DatasetLine): EvalItem {
  const { id, realized_return: realized, ...inputs } = line
  return { id: String(id), inputs, realized_return: realized ?? null }
}

/** The dataset line of an item (the inverse of toEvalItem): `id` first, then the inputs. */
export function toDatasetLine(item: EvalItem): Record<string, unknown> {
  return { id: item.id, ...item.inputs, realized_return: item.realized_return }
}
