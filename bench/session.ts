import type { Backend, Progress } from '../src/backends/backend.js';
import { LabSession, type SessionLab } from '../src/lab/session.js';
import type { ScenarioInput } from '../src/steps/scenario.js';

/**
 * A generated lab opened as `testbed run` opens one (checked, reaped around, preflighted), not
 * built yet; `file` is the script that generated it, named in messages and on the lab.
 */
export async function openLab(
  backend: Backend,
  scenario: ScenarioInput,
  name: string,
  progress: Progress = () => {},
  file = 'bench/grid.ts',
): Promise<{ session: LabSession; lab: SessionLab }> {
  const session = await LabSession.open([{ file, scenario }], { backend, name, progress });
  return { session, lab: session.labs[0]! };
}

/**
 * Builds a lab and removes it, timing both (the session was opened before: its checks are no
 * build time); `during` runs while it is up. What was built is removed when anything fails.
 */
export async function cycle<T>(
  backend: Backend,
  scenario: ScenarioInput,
  name: string,
  during?: (lab: SessionLab) => Promise<T>,
  progress?: Progress,
  file?: string,
): Promise<{ up: number; down: number; rss: number; value: T | undefined; started: number }> {
  const { session, lab } = await openLab(backend, scenario, name, progress, file);
  const t0 = performance.now();
  try {
    await session.build(lab);
    const up = performance.now() - t0;
    const rss = process.memoryUsage().rss;
    const value = during ? await during(lab) : undefined;
    const t1 = performance.now();
    await session.teardown(lab);
    return { up, down: performance.now() - t1, rss, value, started: t0 };
  } catch (error) {
    await session.teardown(lab);
    throw error;
  }
}
