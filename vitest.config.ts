import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: { testbed: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // What was skipped here, and why, as the run's last line.
    reporters: ['default', './test/support/skip-summary.ts'],
    // Docker cannot hold two networks with one subnet, and the scenarios share 192.168.1.0/24.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
