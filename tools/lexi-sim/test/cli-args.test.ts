import { expect, test } from 'vitest'
import { parseCliArgs } from '../src/cli-args'

test('defaults: port 8008, max-model-len from LLM_MAX_TOKENS else 4096', () => {
  expect(parseCliArgs([], {}).options).toMatchObject({ port: 8008, maxModelLen: 4096 })
  expect(parseCliArgs([], { LLM_MAX_TOKENS: '8192' }).options.maxModelLen).toBe(8192)
  expect(parseCliArgs(['--max-model-len', '2048'], { LLM_MAX_TOKENS: '8192' }).options.maxModelLen).toBe(2048)
})

test('every knob and fault has a flag', () => {
  const { options } = parseCliArgs(
    [
      '--port',
      '9000',
      '--model',
      'M',
      '--root',
      'R',
      '--max-num-seqs',
      '8',
      '--vllm-version',
      '0.9.2',
      '--api-key',
      'k',
      '--time-scale',
      '0.5',
      '--fixed-latency-ms',
      '20',
      '--enable-request-id-headers',
      '--seed',
      '3',
      '--max-queued',
      '100',
      '--scheduling-policy',
      'priority',
      '--itl-base-ms',
      '10',
      '--text-tokens-min',
      '5',
      '--text-tokens-max',
      '9',
      '--down',
      '--wedged',
      '--engine-dead',
      '--overloaded',
      '--slow',
      '3',
      '--invalid-json',
      '0.2',
      '--truncated-json',
      '0.1',
      '--whitespace-runaway',
      '0.05',
      '--stream-error',
      '0.3',
      '--reset',
      '0.01',
      '--health-reply',
      'Ok.',
    ],
    {},
  )
  expect(options).toMatchObject({
    port: 9000,
    model: 'M',
    root: 'R',
    maxNumSeqs: 8,
    vllmVersion: '0.9.2',
    apiKey: 'k',
    timeScale: 0.5,
    fixedLatencyMs: 20,
    enableRequestIdHeaders: true,
    seed: 3,
    maxQueued: 100,
    schedulingPolicy: 'priority',
    itlBaseMs: 10,
    textTokens: [5, 9],
    faults: {
      down: true,
      wedged: true,
      engine_dead: true,
      overloaded: true,
      slow: 3,
      invalid_json: 0.2,
      truncated_json: 0.1,
      whitespace_runaway: 0.05,
      stream_error: 0.3,
      reset: 0.01,
      health_reply: 'Ok.',
    },
  })
})

test('bad values fail with a message naming the flag', () => {
  expect(() => parseCliArgs(['--port', 'abc'], {})).toThrow('--port must be a number')
  expect(() => parseCliArgs(['--no-such-flag'], {})).toThrow()
})
