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
 * Every knob here is listed with its comment in .env.example. A knob only one process reads lives in
 * that process's own config.ts (admin, analytics) or script (scripts/lexi-cmd.ts).
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
    /** Canary abort of a split's challenger arms (docs/decisions.md): flush + test + read stops every N ms. */
    LLM_CANARY_POLL_MS: envField.int({ min: 50, max: 600_000 }).default(1000),
    /** The SPRT's false-stop bound per metric (β = 0.05, δ0 = 0.02, δ1 = 0.10 fixed). */
    LLM_CANARY_ALPHA: envField.number({ min: 0, max: 0.5, aboveMin: true }).default(0.001),
    /** No stop before both the arm and the control have this many calls. */
    LLM_CANARY_MIN_SAMPLES: envField.int({ min: 1, max: 1_000_000 }).default(50),
    LLM_PROMPTS_PATH: envField.string({ minLength: 1 }).default('configs/llm_prompts.yaml'),
  },
  gate: {
    LLM_SHADOW_MODE: envField.boolean().default(false),
    ORDER_GATE_DISABLED: envField.boolean().default(false),
    /** An ungrounded rationale (a cited number not in the inputs) fails the gate's LLM step. */
    LLM_GATE_REQUIRE_GROUNDED: envField.boolean().default(false),
    /** The policy prompt is asked k times (seeds 0..k-1) and combined conservatively: any deny denies, the smallest size_factor. */
    LLM_POLICY_SAMPLES: envField.int({ min: 1, max: 16 }).default(1),
  },
}
