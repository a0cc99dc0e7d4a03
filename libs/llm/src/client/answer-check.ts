import { z } from 'zod'

export type AnswerCheck<T> = { ok: true; parsed: T } | { ok: false; problem: string }

const MAX_PROBLEM = 600

/**
 * Whether a structured answer is usable: not cut off (finish_reason "length"), valid JSON, and valid
 * against the schema. `problem` says exactly what was wrong, for the repair message.
 */
export function checkAnswer<S extends z.ZodType>(text: string, finishReason: string | null, schema: S): AnswerCheck<z.infer<S>> {
  if (finishReason === 'length') {
    return {
      ok: false,
      problem: 'the answer was cut off at the max_tokens limit (finish_reason "length"), so the JSON is incomplete; answer with compact JSON',
    }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    const what = text.trim() === '' ? 'the answer was empty' : `the answer is not valid JSON (${(err as Error).message})`
    return { ok: false, problem: what }
  }
  const r = schema.safeParse(json)
  if (!r.success) return { ok: false, problem: `the JSON does not match the required schema: ${z.prettifyError(r.error).slice(0, MAX_PROBLEM)}` }
  return { ok: true, parsed: r.data }
}

/** Longest piece of the bad answer echoed back in the repair round (whitespace runs collapsed). */
export const MAX_ECHO_CHARS = 2_000

/** The bad answer as shown to the model in the repair round: whitespace runaways collapsed, capped. */
export function echoOf(raw: string): string {
  const compact = raw.replace(/\s+/g, ' ').trim()
  return compact.length > MAX_ECHO_CHARS ? `${compact.slice(0, MAX_ECHO_CHARS)} …` : compact
}

export function repairMessage(problem: string): string {
  return `Your previous answer could not be used: ${problem}. Reply with only the corrected JSON object that matches the required schema: no explanation, no code fences.`
}
