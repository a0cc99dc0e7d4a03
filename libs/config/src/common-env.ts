import { envField } from './env-field'

/** Default port of each HTTP process (design section 2). */
export const SERVICE_PORTS = { api: 8001, analytics: 8002, admin: 8003, forecast: 8004 } as const
export type ServiceName = keyof typeof SERVICE_PORTS

/** `PORT` for a service, defaulting to its port in design section 2. */
export const servicePort = (service: ServiceName) => ({ PORT: envField.port().default(SERVICE_PORTS[service]) })

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/**
 * The knobs several processes share, as zod shapes to spread into a service's schema:
 * `z.object({ ...commonEnv.db, ...commonEnv.log, ...commonEnv.llm, ...servicePort('api') })`.
 * Every knob here is listed with its comment in .env.example.
 */
export const commonEnv = {
  db: {
    /** Unset means: use (start or reuse) the embedded Postgres. */
    DATABASE_URL: envField.postgresUrl().optional(),
    /** Port of the embedded Postgres (127.0.0.1 only). */
    EMBEDDED_PG_PORT: envField.port().default(5433),
    /** Cluster directory of the embedded Postgres; unset means <repo>/.data/pg. */
    EMBEDDED_PG_DATA_DIR: envField.string({ minLength: 1 }).optional(),
  },
  log: {
    LOG_LEVEL: envField.oneOf(LOG_LEVELS).default('info'),
    LOG_PRETTY: envField.boolean().default(false),
  },
  llm: {
    /** One URL or a comma-separated list of replicas, each including /v1. */
    LLM_BASE_URL: envField.urlList().default(['http://127.0.0.1:8008/v1']),
    LLM_API_KEY: envField.string({ minLength: 1 }).optional(),
    LLM_MODEL: envField.string({ minLength: 1 }).default('Lexi'),
    LLM_TIMEOUT_MS: envField.int({ min: 100, max: 600_000 }).default(30_000),
    LLM_MAX_RETRIES: envField.int({ min: 0, max: 10 }).default(2),
    LLM_CONCURRENCY: envField.int({ min: 1, max: 1024 }).default(64),
    LLM_MAX_QUEUE: envField.int({ min: 0, max: 1_000_000 }).default(1024),
    /** Send vLLM's `priority` per call class; only for a Lexi run with --scheduling-policy priority. */
    LLM_PRIORITY_SCHEDULING: envField.boolean().default(false),
    /** Per-process class budgets (docs/llm-client.md); unset: 16, LLM_CONCURRENCY, LLM_CONCURRENCY/8. */
    LLM_INTERACTIVE_SLOTS: envField.int({ min: 1, max: 1024 }).optional(),
    LLM_BATCH_SLOTS: envField.int({ min: 1, max: 1024 }).optional(),
    LLM_RESERVED_SLOTS: envField.int({ min: 0, max: 1024 }).optional(),
    /** Lexi's context window (--max-model-len): prompt + output must fit. */
    LLM_MAX_TOKENS: envField.int({ min: 256, max: 1_048_576 }).default(4096),
    LLM_TEMPERATURE: envField.number({ min: 0, max: 2 }).default(0),
    LLM_TOP_P: envField.number({ min: 0, max: 1, aboveMin: true }).default(1),
    LLM_MAX_OUTPUT_TOKENS: envField.int({ min: 1, max: 1_048_576 }).default(512),
    LLM_HEALTH_TTL_MS: envField.int({ min: 0, max: 3_600_000 }).default(15_000),
    LLM_HEALTH_FAIL_TTL_MS: envField.int({ min: 0, max: 3_600_000 }).default(2_000),
    /** e.g. `rationale:1.0.0,1.1.0;policy:1.0.0`; parsed and checked by the prompt registry. */
    LLM_AB_BUCKETS: envField.string().default(''),
    LLM_PROMPTS_PATH: envField.string({ minLength: 1 }).default('configs/llm_prompts.yaml'),
  },
  gate: {
    LLM_SHADOW_MODE: envField.boolean().default(false),
    ORDER_GATE_DISABLED: envField.boolean().default(false),
  },
  admin: {
    /** Bearer token for services/admin; `make run` generates one when unset. */
    ADMIN_TOKEN: envField.token({ minLength: 16 }).optional(),
    ENABLE_PANIC_EXIT: envField.boolean().default(false),
  },
  analytics: {
    ANALYTICS_SUMMARY_TIMEOUT_MS: envField.int({ min: 100, max: 120_000 }).default(8_000),
  },
  /**
   * Only for `make lexi-cmd` (the host vLLM launch command). The defaults are the runbook's GPU host;
   * the served name and --max-model-len come from LLM_MODEL and LLM_MAX_TOKENS.
   */
  lexiHost: {
    LEXI_CUDA_VISIBLE_DEVICES: envField.string({ minLength: 1 }).default('0,1,2,3'),
    LEXI_MODEL_PATH: envField.string({ minLength: 1 }).default('Qwen/Qwen2.5-32B-Instruct'),
    LEXI_TENSOR_PARALLEL_SIZE: envField.int({ min: 1, max: 64 }).default(4),
    LLM_DTYPE: envField.oneOf(['auto', 'bfloat16', 'float16', 'half', 'float', 'float32']).default('float16'),
    LLM_GPU_UTILIZATION: envField.number({ min: 0, max: 1, aboveMin: true }).default(0.88),
    LEXI_MAX_NUM_SEQS: envField.int({ min: 1, max: 4096 }).default(64),
    LEXI_SWAP_SPACE: envField.number({ min: 0, max: 1024 }).default(16),
    LEXI_DISTRIBUTED_EXECUTOR_BACKEND: envField.oneOf(['mp', 'ray', 'uni', 'external_launcher']).default('mp'),
    LEXI_TRUST_REMOTE_CODE: envField.boolean().default(true),
    LEXI_DOWNLOAD_DIR: envField.string({ minLength: 1 }).default('/models'),
    LEXI_DISABLE_CUSTOM_ALL_REDUCE: envField.boolean().default(true),
    LEXI_HOST: envField.string({ minLength: 1 }).default('0.0.0.0'),
    LEXI_PORT: envField.port().default(8008),
    LEXI_EXTRA_ARGS: envField.string().default(''),
  },
}
