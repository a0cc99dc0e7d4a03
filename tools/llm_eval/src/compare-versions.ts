import type { EvalRecord } from './eval-record'
import type { EvalTarget } from './eval-targets'
import { mcnemarExact, type McNemarResult } from './mcnemar'

export interface VersionComparison {
  prompt: string
  a: string
  b: string
  /** Items answered by both versions. */
  pairs: number
  agreement: {
    /** Pairs where both versions gave a valid answer. */
    both_decided: number
    /** Of those, pairs with the same decision. */
    agree: number
    rate: number | null
  }
  /** Paired tests on validity: first-try JSON validity and final schema validity. */
  mcnemar: { json_valid_first_try: McNemarResult; schema_valid: McNemarResult }
}

type Flag = 'json_valid_first_try' | 'schema_valid'

const mcnemarOn = (pairs: ReadonlyArray<[EvalRecord, EvalRecord]>, flag: Flag): McNemarResult => {
  let aOnly = 0
  let bOnly = 0
  for (const [a, b] of pairs) {
    if (a[flag] && !b[flag]) aOnly++
    else if (!a[flag] && b[flag]) bOnly++
  }
  return mcnemarExact(aOnly, bOnly)
}

/** Agreement and McNemar tests between every two versions of the same prompt (in --prompt order). */
export function compareVersions(targets: readonly EvalTarget[], byArm: ReadonlyMap<string, readonly EvalRecord[]>): VersionComparison[] {
  const out: VersionComparison[] = []
  for (let i = 0; i < targets.length; i++) {
    for (let j = i + 1; j < targets.length; j++) {
      const ta = targets[i] as EvalTarget
      const tb = targets[j] as EvalTarget
      if (ta.prompt !== tb.prompt) continue
      const bIndex = new Map((byArm.get(tb.label) ?? []).map((r) => [r.item_id, r]))
      const pairs: Array<[EvalRecord, EvalRecord]> = []
      for (const a of byArm.get(ta.label) ?? []) {
        const b = bIndex.get(a.item_id)
        if (b !== undefined) pairs.push([a, b])
      }
      const decided = pairs.filter(([a, b]) => a.decision !== null && b.decision !== null)
      const agree = decided.filter(([a, b]) => a.decision === b.decision).length
      out.push({
        prompt: ta.prompt,
        a: ta.label,
        b: tb.label,
        pairs: pairs.length,
        agreement: { both_decided: decided.length, agree, rate: decided.length === 0 ? null : agree / decided.length },
        mcnemar: { json_valid_first_try: mcnemarOn(pairs, 'json_valid_first_try'), schema_valid: mcnemarOn(pairs, 'schema_valid') },
      })
    }
  }
  return out
}
