import { commonEnv, envField, LOG_LEVELS, loadEnv, type Env } from '@pulsetrade/config'

const EvalEnvShape = {
  ...commonEnv.db,
  ...commonEnv.llm,
  /** k >= 2: each policy call of the eval is k samples combined as the forecast service does. */
  LLM_POLICY_SAMPLES: commonEnv.gate.LLM_POLICY_SAMPLES,
  /** The eval prints progress and results itself, and records hold every call's error: client log lines only for debugging. */
  LOG_LEVEL: envField.oneOf(LOG_LEVELS).default('error'),
  LOG_PRETTY: envField.boolean().default(false),
}

export type EvalEnv = ReturnType<typeof loadEvalEnv>

/** The environment knobs the eval uses (the same names and checks as the services). Pure. */
export const loadEvalEnv = (env: Env) => loadEnv(EvalEnvShape, env)
