import { UsageError } from '../errors.js';
import { loadLab } from '../lab/load.js';
import { kindOf } from '../steps/registry.js';
import { namedSteps, parsePatterns, stepsNotRun, unmatchedPatterns } from '../steps/selection.js';

/**
 * `run --list`: each scenario's steps, numbered as reports number them, with their kind and
 * whether `--test` (or `check`) leaves them out. Loads and validates only: builds nothing.
 */
export async function listSteps(
  files: string[],
  options: { select: string[]; checksOnly: boolean; name?: string },
  say: (line: string) => void,
): Promise<void> {
  const specs = [];
  for (const file of files) specs.push(await loadLab(file, options.name));
  const patterns = parsePatterns(options.select);
  const named = specs.map(namedSteps);
  const unmatched = unmatchedPatterns(named, patterns);
  if (unmatched.length > 0)
    throw new UsageError(`--test ${unmatched.map((p) => `"${p}"`).join(', ')} names no step of ${files.join(', ')}`);
  for (const [i, spec] of specs.entries()) {
    const steps = named[i]!;
    const notRun = stepsNotRun(steps, patterns, options.checksOnly);
    const chosen = steps.length - notRun.size;
    const of = notRun.size > 0 ? `, ${chosen} of them chosen` : '';
    say(`${spec.topology.name} (${spec.scenarioFile}): ${steps.length} step${steps.length === 1 ? '' : 's'}${of}`);
    const width = Math.max(0, ...steps.map((s) => kindOf(s.step).key.length));
    for (const [index, { step, name }] of steps.entries()) {
      const why = notRun.get(index);
      const number = String(index + 1).padStart(String(steps.length).length);
      say(`  ${number}  ${kindOf(step).key.padEnd(width)}  ${name}${why ? `  (not run: ${why})` : ''}`);
    }
  }
}
