import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // The first suite on the bundles synthesises them (all 16 bundled on a fresh clone).
    hookTimeout: 600_000,
    // Handlers log every webhook and step at INFO; tests keep warnings and errors only. Handlers run in
    // this process write no EMF lines; the local stack's containers (their own environment) do.
    env: { POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true' },
  },
});
