import { defineConfig } from 'vitest/config';

// Four suites: unit (pure, fast: no root, namespaces, tshark or Docker; fake
// clocks for timing), core (root on the host: BPF_PROG_TEST_RUN, and the
// capture decoder against tshark on a capture between network namespaces),
// integration (real Docker engine, one file at a time: labs share the engine),
// e2e (Debian chromium driving the web mode against the real engine).
export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.{ts,tsx}'], testTimeout: 20_000 } },
      { extends: true, test: { name: 'core', include: ['test/core/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 300_000, fileParallelism: false } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 600_000, fileParallelism: false } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: ['test/e2e/build-renderer.ts'], testTimeout: 600_000, hookTimeout: 600_000, fileParallelism: false } },
    ],
  },
});
