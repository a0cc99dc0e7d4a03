import {
  FeaturesLlmSchema, PolicyDecisionSchema, RationaleSchema, evaluateGate, toPolicyRecord,
  type FeaturesLlm, type GateMode, type LlmClient, type LlmInputs, type LlmResult, type PromptRegistry,
} from '@pulsetrade/llm'
import type { z } from 'zod'
import { FeaturesContractError } from '../errors'
import type { UpstreamDiagnosis } from './upstream-probe'

export interface EnrichOptions {
  client: LlmClient
  registry: PromptRegistry
  /** features.llm.model (the served model name, "Lexi"). */
  model: string
  mode: GateMode
  gateDisabled: boolean
  lotSize: number
  /** Says why Lexi fails when the circuit breaker answered without naming a cause (see upstream-probe.ts). */
  diagnose?: () => Promise<UpstreamDiagnosis>
}

export type EnrichForecast = (inputs: LlmInputs) => Promise<FeaturesLlm>

const codeOf = (err: unknown): string => {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code !== '' ? code : 'LLM_ERR'
}

/**
 * Asks for the rationale and the policy of one forecast concurrently (the client's semaphore
 * bounds what is in flight) and builds features.llm, validated against FeaturesLlmSchema.
 *
 * LLM failures never throw: they are recorded in the LlmResult (ok:false, error.code). The policy
 * record is the gate's LLM step for this forecast's proposed order (risk checks, which depend on
 * the book at submission time, are recorded in orders.gate): a failed or missing decision is
 * effective deny with its fail_reason in enforce mode (shadow and gate-disabled record it and allow).
 */
export function createEnricher (opts: EnrichOptions): EnrichForecast {
  async function ask<S extends z.ZodType> (name: string, schema: S, inputs: LlmInputs): Promise<LlmResult<z.infer<S>>> {
    const rendered = opts.registry.render(name, { ...inputs }, { unitKey: `${inputs.symbol}|${inputs.asof}` })
    try {
      return await opts.client.structured(rendered, schema)
    } catch (err) {
      // The client reports upstream failures as results; anything thrown is still only an LLM failure here.
      return {
        prompt: rendered.prompt, version: rendered.version, hash: rendered.hash, arm: rendered.arm, bucket: rendered.bucket,
        ok: false, valid_json: false, repaired: false, cached: false, parsed: null, raw: '', finish_reason: null,
        latency_ms: 0, usage: { prompt_tokens: 0, completion_tokens: 0 }, request_id: null,
        error: { code: codeOf(err), message: (err as Error)?.message ?? String(err) },
      }
    }
  }

  return async (inputs) => {
    const [rationale, policy] = await Promise.all([
      ask('rationale', RationaleSchema, inputs),
      ask('policy', PolicyDecisionSchema, inputs),
    ])
    const verdict = evaluateGate({
      risk: { pass: true, checks: [] },
      llm: policy,
      riskReducing: false,
      mode: opts.mode,
      gateDisabled: opts.gateDisabled,
      qty: inputs.order?.qty ?? opts.lotSize,
      lotSize: opts.lotSize,
    })
    const record = toPolicyRecord(policy, verdict)
    // A fast-failed call (breaker open) already reads as the failures that opened the circuit (the
    // gate maps "... after 5 consecutive timeouts" to "timeout"); error.code keeps LLM_ERR_CIRCUIT_OPEN.
    // Only an error that names no cause is left as circuit_open: then the probe diagnoses.
    if (record.fail_reason === 'circuit_open' && opts.diagnose) record.fail_reason = await opts.diagnose()
    const features = { model: opts.model, inputs, rationale, policy: record }
    const checked = FeaturesLlmSchema.safeParse(features)
    if (!checked.success) {
      const issue = checked.error.issues[0]
      throw new FeaturesContractError(`features.llm fails the contract at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`)
    }
    return checked.data
  }
}
