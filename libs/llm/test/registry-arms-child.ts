import { readFileSync } from 'node:fs'
import { loadPromptRegistry } from '@pulsetrade/llm'

/**
 * Run in a separate process by registry-ab.test.ts: reads {yaml, spec, prompt, keys} from the JSON
 * file named in argv[2] and prints the [arm, bucket] of every key, in order, as JSON.
 */
const job = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as { yaml: string; spec: string; prompt: string; keys: string[] }
const reg = loadPromptRegistry(job.yaml, { abBuckets: job.spec })
const out = job.keys.map((k) => {
  const c = reg.choose(job.prompt, k)
  return [c.arm, c.bucket]
})
process.stdout.write(JSON.stringify(out))
