import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Projects in the order they start: the swarm's (long, on engines of its own) beside everything else, unit tests before labs. */
const FIRST = ['swarm', 'unit'];

/**
 * Starts the swarm's file first, on one worker, while the other runs the unit tests and then the
 * files that build labs here (one at a time, test/support/one-lab-file-at-a-time.ts).
 */
export default class SwarmFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = FIRST.indexOf(spec.project.name);
      return i === -1 ? FIRST.length : i;
    };
    return sorted
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map(({ spec }) => spec);
  }
}
