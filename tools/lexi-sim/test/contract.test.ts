import { afterAll, beforeAll, describe } from 'vitest'
import { endpointTests } from './contract/endpoints'
import { errorTests } from './contract/errors'
import { generationTests } from './contract/generation'
import { schedulingTests } from './contract/scheduling'
import { streamingTests } from './contract/streaming'
import { contractTarget, type ContractTarget } from './contract/target'

/**
 * The vLLM contract suite (shared/vllm-contract.md section 6, one test per behaviour). Against a
 * real server when LEXI_CONTRACT_URL is set (sim-only tests then skip), else against lexi-sim.
 */
const env = process.env
const mode = { real: Boolean(env.LEXI_CONTRACT_URL), realApiKey: Boolean(env.LEXI_CONTRACT_API_KEY) }
if (!mode.real) console.log('lexi-sim contract suite: real-server run skipped (set LEXI_CONTRACT_URL to run it against a real vLLM)')

let target: ContractTarget | null = null
const t = (): ContractTarget => {
  if (target === null) throw new Error('contract target not started')
  return target
}
beforeAll(async () => {
  target = await contractTarget(env)
})
afterAll(async () => {
  await target?.close()
})

describe(`vLLM contract (${mode.real ? 'real server' : 'lexi-sim'})`, () => {
  endpointTests(t, mode)
  errorTests(t, mode)
  generationTests(t, mode)
  streamingTests(t, mode)
  schedulingTests(mode)
})
