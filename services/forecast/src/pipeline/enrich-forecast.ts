import {
  FeaturesLlmSchema,
  PolicyDecisionSchema,
  RationaleSchema,
  checkGrounding,
  noAnswer,
  samplePolicy,
  ungatedPolicyRecord,
  type Diagnosis,
  type FeaturesLlm,
  type GateMode,
  type LlmClient,
  type LlmInputs,
  type LlmResult,
  type PromptRegistry,
} from '@pulsetrade/llm'
import type { z } from 'zod'
import { FeaturesContractError } from '../errors'

export interface EnrichOptions {
  client: LlmClient
  registry: PromptRegistry
  /** features.llm.model (the served model name, "Lexi"). */
  model: string
  mode: GateMode
  gateDisabled: boolean
  /** Says why Lexi fails when the circuit breaker answered without naming a cause (the client's diagnose()). */
  diagnose?: () => Promise<Diagnosis>
  /** LLM_POLICY_SAMPLES: the policy is asked this many times (seeds base+i) and combined conservatively. @default 1 */
  policySamples?: number
}

export type EnrichForecast = (inputs: LlmInputs) => Promise<FeaturesLlm>

const errorCodeOf = (err: unknown): string => {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code !== '' ? code : 'LLM_ERR'
}
/** A thrown LlmError's cause code (the failures that opened a circuit), a field like its code. */
const causeFieldOf = (err: unknown): string | null => {
  const cause = (err as { causeCode?: unknown } | null)?.causeCode
  return typeof cause === 'string' ? cause : null
}

/**
 * Asks for the rationale and the policy of one forecast concurrently (the client's semaphore
 * bounds what is in flight) and builds features.llm, validated against FeaturesLlmSchema.
 *
 * LLM failures never throw: they are recorded in the LlmResult (ok:false, error.code). The enricher
 * does not gate: the policy gate needs the risk verdict, which exists only inside the order's
 * placement (place-gated-order.ts), and runs there once. Until then the policy record says
 * `pending` (an order was proposed; placement replaces the record with the gate's verdict) or
 * `no_order` (nothing to gate), with the fail_reason of an unusable answer (timeout, ...) or null.
 */
export function createEnricher(opts: EnrichOptions): EnrichForecast {
  async function ask<S extends z.ZodType>(name: string, schema: S, inputs: LlmInputs, seed?: number): Promise<LlmResult<z.infer<S>>> {
    const plain = opts.registry.render(name, { ...inputs }, { unitKey: `${inputs.symbol}|${inputs.asof}` })
    const rendered = seed === undefined ? plain : { ...plain, sampling: { ...plain.sampling, seed } }
    try {
      // Policy gates orders: it goes first on Lexi (trading); the rationale comes after it (forecast).
      return await opts.client.structured(rendered, schema, { priorityClass: name === 'policy' ? 'trading' : 'forecast' })
    } catch (err) {
      // The client reports upstream failures as results; anything thrown is still only an LLM failure here.
      return noAnswer(rendered, { code: errorCodeOf(err), cause: causeFieldOf(err), message: (err as Error)?.message ?? String(err) })
    }
  }

  return async (inputs) => {
    const [rationale, policy] = await Promise.all([
      ask('rationale', RationaleSchema, inputs),
      samplePolicy(opts.policySamples ?? 1, undefined, async (seed) => await ask('policy', PolicyDecisionSchema, inputs, seed)),
    ])
    const record = ungatedPolicyRecord(policy, { effective: inputs.order ? 'pending' : 'no_order', mode: opts.mode, gateDisabled: opts.gateDisabled })
    // A fast-failed call (breaker open) already reads as the failures that opened the circuit;
    // error.code keeps LLM_ERR_CIRCUIT_OPEN. Only an error that names no cause is left as
    // circuit_open: then the probe diagnoses, and the gate records that diagnosis (llmFailReason).
    if (record.fail_reason === 'circuit_open' && opts.diagnose) record.fail_reason = await opts.diagnose()
    // Every number the rationale cites, checked against the inputs; an ungrounded rationale is kept and flagged.
    const grounded = rationale.parsed === null ? rationale : { ...rationale, grounding: checkGrounding(rationale.parsed, inputs) }
    const features = { model: opts.model, inputs, rationale: grounded, policy: record }
    const checked = FeaturesLlmSchema.safeParse(features)
    if (!checked.success) {
      const issue = checked.error.issues[0]
      throw new FeaturesContractError(`features.llm fails the contract at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`)
    }
    return checked.data
  }
}
