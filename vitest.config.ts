import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{libs,services,tools,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'tools/llm_eval/test/live/**', 'tools/lexi-sim/test/live/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
