import { Counter, Gauge, Registry } from 'prom-client'
import { FastHistogram } from './fast-histogram'
import { compareVersions } from './versions'

/** vLLM's v1 metric names, labels and buckets (vllm/v1/metrics/loggers.py), on a registry per simulator. */
export interface SimMetrics {
  registry: Registry
  tokens: (prompt: number, generation: number) => void
  finished: (o: FinishedObservation) => void
  itl: (seconds: number, count: number) => void
  ttft: (seconds: number) => void
  /** One running request preempted (KV cache full). */
  preempted: () => void
}

export interface FinishedObservation {
  finishedReason: 'stop' | 'length' | 'abort'
  e2eS: number
  queueS: number
  prefillS: number
  decodeS: number
  inferenceS: number
  promptTokens: number
  generationTokens: number
  maxTokens: number
}

export interface GaugeSources {
  running: () => number
  waiting: () => number
  kvUsage: () => number
}

const TTFT = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560]
const ITL = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80]
const LATENCY = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680]

function tokenBuckets(maxModelLen: number): number[] {
  const out: number[] = []
  for (let m = 1; m <= maxModelLen; m *= 10) for (const k of [1, 2, 5]) if (k * m <= maxModelLen) out.push(k * m)
  return out
}

export function createSimMetrics(opts: { model: string; version: string; maxModelLen: number; sources: GaugeSources }): SimMetrics {
  const registry = new Registry()
  const labels = { model_name: opts.model, engine: '0' }
  const labelNames = ['model_name', 'engine'] as const
  const registers = [registry]
  const gauge = (name: string, help: string, read: () => number): void => {
    // Registered on `registry`; read at scrape time so the values are exact.
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.set(labels, read())
      },
    })
  }
  gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', opts.sources.running)
  gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', opts.sources.waiting)
  gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', opts.sources.kvUsage)
  if (compareVersions(opts.version, '0.10.0') < 0) gauge('vllm:gpu_cache_usage_perc', 'GPU KV-cache usage. 1 means 100 percent usage.', opts.sources.kvUsage)

  const counter = (name: string, help: string, extra: string[] = []): Counter<string> =>
    new Counter({ name, help, labelNames: [...labelNames, ...extra], registers })
  const promptTokens = counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.').labels(labels)
  const generationTokens = counter('vllm:generation_tokens_total', 'Number of generation tokens processed.').labels(labels)
  const success = counter('vllm:request_success_total', 'Count of successfully processed requests.', ['finished_reason'])
  const preemptions = counter('vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.').labels(labels)
  preemptions.inc(0)
  const prefixQueries = counter('vllm:prefix_cache_queries_total', 'Prefix cache queries, in terms of number of queried tokens.').labels(labels)
  counter('vllm:prefix_cache_hits_total', 'Prefix cache hits, in terms of number of cached tokens.').labels(labels).inc(0)
  for (const r of ['stop', 'length', 'abort']) success.labels({ ...labels, finished_reason: r }).inc(0)

  const hist = (name: string, help: string, buckets: number[]): FastHistogram => new FastHistogram(name, help, buckets, labels, registry)
  const h = {
    ttft: hist('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', TTFT),
    itl: hist('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', ITL),
    tpot:
      compareVersions(opts.version, '0.11.0') < 0 ? hist('vllm:time_per_output_token_seconds', 'Histogram of time per output token in seconds.', ITL) : null,
    e2e: hist('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', LATENCY),
    queue: hist('vllm:request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', LATENCY),
    prefill: hist('vllm:request_prefill_time_seconds', 'Histogram of time spent in PREFILL phase for request.', LATENCY),
    decode: hist('vllm:request_decode_time_seconds', 'Histogram of time spent in DECODE phase for request.', LATENCY),
    inference: hist('vllm:request_inference_time_seconds', 'Histogram of time spent in RUNNING phase for request.', LATENCY),
    promptLen: hist('vllm:request_prompt_tokens', 'Number of prefill tokens processed.', tokenBuckets(opts.maxModelLen)),
    genLen: hist('vllm:request_generation_tokens', 'Number of generation tokens processed.', tokenBuckets(opts.maxModelLen)),
    maxTokens: hist('vllm:request_params_max_tokens', 'Histogram of the max_tokens request parameter.', tokenBuckets(opts.maxModelLen)),
  }
  const successBy = {
    stop: success.labels({ ...labels, finished_reason: 'stop' }),
    length: success.labels({ ...labels, finished_reason: 'length' }),
    abort: success.labels({ ...labels, finished_reason: 'abort' }),
  }

  return {
    registry,
    tokens(prompt, generation) {
      if (prompt > 0) {
        promptTokens.inc(prompt)
        prefixQueries.inc(prompt)
      }
      if (generation > 0) generationTokens.inc(generation)
    },
    ttft: (s) => h.ttft.observe(s),
    preempted: () => {
      preemptions.inc()
    },
    itl(s, count) {
      h.itl.observe(s, count)
      h.tpot?.observe(s, count)
    },
    finished(o) {
      successBy[o.finishedReason].inc()
      h.e2e.observe(o.e2eS)
      h.queue.observe(o.queueS)
      h.prefill.observe(o.prefillS)
      h.decode.observe(o.decodeS)
      h.inference.observe(o.inferenceS)
      h.promptLen.observe(o.promptTokens)
      h.genLen.observe(o.generationTokens)
      h.maxTokens.observe(o.maxTokens)
    },
  }
}
