import { defineConfig } from 'vitest/config'

/**
 * `make test-llm`: tests that issue real completions against LLM_BASE_URL (a real Lexi or a started
 * lexi-sim). No database and no global setup; each test skips, saying so, when Lexi cannot be reached.
 */
export default defineConfig({
  test: {
    include: ['tools/llm_eval/test/live/**/*.test.ts', 'tools/lexi-sim/test/live/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    passWithNoTests: true,
  },
})
