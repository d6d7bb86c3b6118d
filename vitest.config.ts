import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests beside the code (and in tests/rules, which hold the operator's and
// the console's reading of the shared API rules side by side), and integration tests that run
// against the real local control plane and AWS emulator started once by the global setup.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'crds/src/**/*.test.ts',
            'operator/src/**/*.test.ts',
            'console/server/**/*.test.ts',
            'console/app/**/*.test.ts',
            'tests/bench/**/*.test.ts',
            'tests/rules/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/infra/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
