import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import SwarmFirst from './test/support/sequencer.js';

const alias = { testbed: fileURLToPath(new URL('./src/index.ts', import.meta.url)) };
const SWARM = 'test/integration/swarm.test.ts';
/** Other files that run simulated machines (`testbed machines up`); they take turns with the swarm's file. */
const MACHINES = ['test/integration/normal-user.test.ts'];
/** Files that run simulated machines: one at a time (test/support/machines-lock.ts). */
const MACHINES_LOCK = 'test/support/machines-lock.ts';
// Two workers (vitest's default leaves one core free, which on 2 cores means one file at a time).
const timeouts = { testTimeout: 60_000, hookTimeout: 60_000, maxWorkers: 2 };

export default defineConfig({
  resolve: { alias },
  test: {
    globalSetup: ['test/global-setup.ts'],
    // What was skipped here, and why, as the run's last line.
    reporters: ['default', './test/support/skip-summary.ts'],
    sequence: { sequencer: SwarmFirst },
    ...timeouts,
    projects: [
      { resolve: { alias }, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], ...timeouts } },
      // Lab tests of one backend run one at a time across files (test/support/lab-locks.ts); the rest beside them.
      {
        resolve: { alias },
        test: {
          name: 'labs',
          include: ['test/integration/**/*.test.ts'],
          exclude: [SWARM, ...MACHINES],
          setupFiles: ['test/support/lab-locks.ts'],
          ...timeouts,
        },
      },
      // The swarm's labs live on engines of their own (simulated machines).
      { resolve: { alias }, test: { name: 'swarm', include: [SWARM], setupFiles: [MACHINES_LOCK], ...timeouts } },
      // Files that also build labs here (the lab locks) and start simulated machines of `testbed machines`.
      {
        resolve: { alias },
        test: {
          name: 'machines',
          include: MACHINES,
          setupFiles: ['test/support/lab-locks.ts', MACHINES_LOCK],
          ...timeouts,
        },
      },
    ],
  },
});
