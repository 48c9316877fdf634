import type { RunEvents, StepPreview } from '../lab/run.js';
import { kindOf } from '../steps/registry.js';
import type { StepResult } from '../steps/result.js';
import { findNode } from '../topology/topology.js';
import { onInterruptAbort } from '../util/interrupt.js';
import { shellWord } from '../util/shell-words.js';

/** What `--pause` and `--pause-on-fail` ask for. */
export interface PauseChoice {
  /** Before every step: what it does, then wait (a class, step by step). */
  beforeEach: boolean;
  /** After the first failed step: how to look at the lab, then wait, then stop the run. */
  onFail: boolean;
}

type Say = (line: string) => void;

/**
 * The run's pauses: each waits for Enter on `input` (or its end, or a signal, which then stops
 * the run), while the lab stays exactly as it is.
 */
export function pauseEvents(
  choice: PauseChoice,
  say: Say,
  input: Input = process.stdin,
): Pick<RunEvents, 'stepStarting' | 'stepFailed'> & { ended(): boolean } {
  let ended = false;
  return {
    /** A pause at a failure ended the run: the scenarios after it are not run. */
    ended: () => ended,
    ...(choice.beforeEach
      ? {
          stepStarting: async (step: StepPreview) => {
            say(`next: [${step.index + 1}/${step.total}] ${step.name}`);
            if (step.explanation) say(`      ${step.kind}: ${step.explanation}`);
            say('      press Enter to run it (Ctrl-C stops and removes the lab)');
            await enter(input);
          },
        }
      : {}),
    ...(choice.onFail
      ? {
          stepFailed: async (result, lab) => {
            say(
              `step ${result.index + 1} failed; lab ${lab.plan.topology.lab} is kept as the failure left it. Look at it:`,
            );
            for (const line of lookLines(result, lab)) say(`  ${line}`);
            say('press Enter to remove the lab and end the run with its report (Ctrl-C interrupts it: no report)');
            await enter(input);
            ended = true;
            return `the run stopped after step ${result.index + 1} failed (--pause-on-fail)`;
          },
        }
      : {}),
  };
}

/** Commands that show the state behind a failed step: a shell's view of each node it involves, and a trace between its two ends. */
function lookLines(
  result: Pick<StepResult, 'index'>,
  lab: Parameters<NonNullable<RunEvents['stepFailed']>>[1],
): string[] {
  const { topology } = lab.plan;
  const step = lab.spec.steps[result.index]!;
  const named = kindOf(step)
    .nodes(step)
    .filter((n) => findNode(topology, n));
  const nodes = [
    ...new Set(
      named.flatMap((n) => {
        const node = findNode(topology, n)!;
        return node.kind === 'workload' ? [n, node.host.name] : [n];
      }),
    ),
  ];
  // A workload's view is its gateway's neighbour entry; a host's, its routes.
  const lines = nodes.map((node) =>
    findNode(topology, node)!.kind === 'workload'
      ? `testbed exec ${topology.lab} ${node} -- ip neigh`
      : `testbed exec ${topology.lab} ${node} -- ip route`,
  );
  if (named.length >= 2) {
    const rename = topology.lab === topology.name ? '' : ` --name ${topology.lab}`;
    lines.push(`testbed trace ${[lab.spec.scenarioFile, named[0]!, named[1]!].map(shellWord).join(' ')}${rename}`);
  }
  return lines;
}

type Input = NodeJS.ReadableStream & { readableEnded?: boolean; ref?: () => unknown; unref?: () => unknown };

/**
 * Resolves on a line from `input`, at its end (a closed or empty stdin never holds a run), or on
 * a signal. Between pauses the input holds no reference: a pipe left open must not keep testbed
 * from exiting once the run is over.
 */
export function enter(input: Input): Promise<void> {
  if (input.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const onData = (chunk: Buffer | string) => {
      if (String(chunk).includes('\n')) done();
    };
    const forget = onInterruptAbort(done);
    function done(): void {
      input.off('data', onData);
      input.off('end', done);
      input.pause();
      input.unref?.();
      forget();
      resolve();
    }
    input.on('data', onData);
    input.once('end', done);
    input.ref?.();
    input.resume();
  });
}
