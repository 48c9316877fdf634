import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Projects in the order they start: the swarm's (long, on engines of its own) beside everything else, unit tests before labs. */
const FIRST = ['swarm', 'unit'];
/** Projects that start after the labs: their files wait for the swarm's to end (test/support/machines-lock.ts). */
const LAST = ['machines'];

/**
 * Starts the swarm's file first, on one worker, while the other runs the unit tests and then the
 * files that build labs here (their lab tests one backend at a time, test/support/lab-locks.ts),
 * and last the other files with simulated machines, by when the swarm's file has mostly ended.
 */
export default class SwarmFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = FIRST.indexOf(spec.project.name);
      if (i !== -1) return i;
      return LAST.includes(spec.project.name) ? FIRST.length + 1 : FIRST.length;
    };
    return sorted
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map(({ spec }) => spec);
  }
}
