import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Argv, Options } from 'yargs';
import type { BackendChoice } from '../../backends/registry.js';
import { ExitCode, InfraError, UsageError } from '../../errors.js';
import type { RunEvents, RunReport } from '../../lab/run.js';
import { leftOutReport } from '../../lab/left-out.js';
import { LabSession, type SessionOptions } from '../../lab/session.js';
import type { Progress } from '../../backends/backend.js';
import { ConsoleReporter } from '../../report/console.js';
import { writeReports } from '../../report/outputs.js';
import type { Topology } from '../../topology/topology.js';
import { listSteps } from '../list-steps.js';
import {
  backendFlagOptions,
  backendFlagValues,
  backendOption,
  backendSettings,
  nameOption,
  searchBackendOption,
} from '../options.js';
import { pauseEvents } from '../pauses.js';

interface RunArgs {
  files: string[];
  backend: string;
  json: boolean;
  junit?: string;
  html?: string;
  summary?: string;
  captures?: string;
  collectOnFailure?: string;
  keep: boolean;
  name?: string;
  skipUnsupported: boolean;
  test?: string | string[];
  list: boolean;
  retry?: string;
  pause: boolean;
  pauseOnFail: boolean;
  [flag: string]: unknown;
}

/** What only `run` takes: how the lab is built and kept, captured and paused. */
function buildOptions(): Record<string, Options> {
  return {
    captures: {
      type: 'string',
      describe:
        "Capture every step's nodes with tcpdump into this folder (one pcap per step and node); a failed step has its captures attached in JSON, JUnit and HTML",
    },
    'pause-on-fail': {
      type: 'boolean',
      default: false,
      describe:
        'At the first failed step, keep the lab as it is, print the commands to look at it, and wait for Enter (or a signal); then remove it and end the run',
    },
    pause: {
      type: 'boolean',
      default: false,
      describe: 'Before every step, say what it does and wait for Enter: a lab shown step by step, e.g. in a class',
    },
    keep: {
      type: 'boolean',
      default: false,
      describe: 'Leave the lab running after the steps (remove it with testbed down)',
    },
    name: nameOption,
    ...backendFlagOptions('build'),
    'skip-unsupported': {
      type: 'boolean',
      default: false,
      describe:
        'Report steps that need what this machine or backend lacks (a kernel feature such as sch_netem, ' +
        'stopping hosts) as skipped, with the reason, instead of refusing the scenario (a missing program is never skipped: install it); the exit code follows the steps that ran',
    },
  };
}

const filesPositional = (describe: string) => ({ type: 'string', array: true, demandOption: true, describe }) as const;

/** `run` and `check` alike: which steps, how often, and where the reports go. */
function stepAndReportOptions(y: Argv): Argv {
  return (
    y
      // One value per --test (repeated, it collects): an array option would swallow the files after it.
      .option('test', {
        type: 'string',
        requiresArg: true,
        describe:
          'Run only the steps this names: a glob (* and ?) on the step name or kind, or a step number; repeat it for more; a leading ! leaves steps out. What a chosen step depends on comes along where the command runs it (run: the faults it observes, checks that wait before it). The others are reported skipped',
      })
      .option('list', {
        type: 'boolean',
        default: false,
        describe: "Print each scenario's steps, numbered, with what --test chooses; build nothing",
      })
      .option('retry', {
        type: 'string',
        requiresArg: true,
        describe:
          'Run a failed check (not a step that changes the lab) again, up to this many times, after 1, 2, 4 s; the report keeps every run',
      })
      .option('collect-on-failure', {
        type: 'string',
        describe:
          "When a run fails, archive its lab's state into this folder while the lab is as the failure left it: per node addresses, routes, neighbours, links with counters, sysctls, BIRD's view; testbed's firewall rules, host logs, the failed steps' captures, the scenario and the run's JSON. The path is printed and in the reports",
        requiresArg: true,
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print the JSON report on stdout (progress goes to stderr)',
      })
      .option('junit', { type: 'string', describe: 'Write a JUnit XML report to this file' })
      .option('html', {
        type: 'string',
        describe: 'Write one self-contained HTML page: each lab drawn, its steps, failures open, traces hop by hop',
      })
      .option('summary', {
        type: 'string',
        describe: 'Write a Markdown summary (a table, then what failed) to this file, e.g. $GITHUB_STEP_SUMMARY',
      })
  );
}

export const runCommand = {
  command: 'run <files..>',
  describe: "Build each scenario's lab, run its steps, tear it down; exit 0 when every step passed",
  builder: (y: Argv) =>
    stepAndReportOptions(y)
      .positional('files', filesPositional('Scenario files (.ts, .mts, .js or .mjs)'))
      .option('backend', backendOption)
      .options(buildOptions())
      .example('$0 run scenarios/two-host.ts', "Build the seed's two-host lab and prove ttl 62 between workloads")
      .example('$0 run scenarios/two-host.ts --backend docker', 'The same lab with hosts as containers')
      .example('$0 run scenarios/*.ts --junit report.xml', 'Run every scenario, one JUnit testsuite each')
      .example('$0 run scenarios/two-host.ts --json | jq .runs[0].steps[0].metrics', 'Read the figures of a step')
      .example(
        '$0 run scenarios/faults.ts --skip-unsupported',
        'On a kernel without netem: run the rest, show the netem steps skipped',
      )
      .example(
        "$0 run scenarios/faults.ts --test 'ping*' --test '!*baseline*'",
        'Only the ping steps, less the baselines',
      )
      .example('$0 run scenarios/two-host.ts --list', 'The steps, numbered, without building anything')
      .example(
        '$0 run scenarios/bgp-mesh.ts --retry 2 --pause-on-fail',
        'Retry flaky checks; keep the lab at a failure',
      ),
  handler: (args: RunArgs, processStartMs: number): Promise<number> => runScenarios(args, processStartMs, 'run'),
};

type CheckArgs = Pick<
  RunArgs,
  'files' | 'backend' | 'json' | 'junit' | 'html' | 'summary' | 'test' | 'list' | 'retry' | 'collectOnFailure'
> & {
  lab?: string;
  [flag: string]: unknown;
};

export const checkCommand = {
  command: 'check <files..>',
  describe:
    "Run a scenario's checks against its lab that `testbed up` left running: nothing is built, changed or removed",
  builder: (y: Argv) =>
    stepAndReportOptions(y)
      .positional('files', filesPositional('The scenario files the labs were built from'))
      .option('lab', {
        type: 'string',
        describe: 'The running lab, when `up --name` gave it another name than the scenario (one file only)',
      })
      .option('backend', searchBackendOption)
      .options(backendFlagOptions('find'))
      .example('$0 up scenarios/two-host.ts && $0 check scenarios/two-host.ts', 'Prove the running lab still behaves')
      .example(
        '$0 check scenarios/faults.ts --test ping',
        'Only the pings; the faults and what observes them are left out',
      ),
  handler: (args: CheckArgs, processStartMs: number): Promise<number> =>
    runScenarios(
      {
        ...args,
        ...(args.lab !== undefined ? { name: args.lab } : {}),
        keep: true,
        skipUnsupported: false,
        pause: false,
        pauseOnFail: false,
      },
      processStartMs,
      'check',
    ),
};

/** `run` builds, runs and removes each lab; `check` runs the checks of labs that run already. */
async function runScenarios(args: RunArgs, processStartMs: number, mode: 'run' | 'check'): Promise<number> {
  if (args.name !== undefined && args.files.length > 1)
    throw new UsageError(`${mode === 'run' ? '--name' : '--lab'} needs exactly one scenario file`);
  onceEach(args);
  const say = (line: string) => (args.json ? process.stderr : process.stdout).write(`${line}\n`);
  if (args.list) {
    const name = args.name !== undefined ? { name: args.name } : {};
    await listSteps(args.files, { select: testsOf(args), checksOnly: mode === 'check', ...name }, (line) =>
      process.stdout.write(`${line}\n`),
    );
    return ExitCode.passed;
  }
  checkOutputs(args);
  const reporter = new ConsoleReporter(args.json ? process.stderr : process.stdout);
  const progress = (m: string) => reporter.progress(m);
  const pauses = pauseEvents({ beforeEach: args.pause, onFail: args.pauseOnFail }, say);
  const events = runEvents(reporter, pauses);
  const loadStarted = performance.now();
  let loadMs = 0;
  const reports: RunReport[] = [];
  const topologies = new Map<string, Topology>();
  let error: unknown;
  try {
    // Every file is validated, and checked against the backend, before anything is created.
    const session = await LabSession.open(args.files, sessionOptions(args, mode, progress));
    loadMs = performance.now() - loadStarted;
    await runLabs(session, mode, { reporter, events, pauses }, reports, topologies);
  } catch (caught) {
    error = caught;
  }
  // The scenarios that did run are reported even when a later one could not be; machine-readable
  // reports are written whatever happened, with the reason the run stopped.
  if (reports.length > 0) reporter.summary(reports);
  const reason = error === undefined ? undefined : error instanceof Error ? error.message : JSON.stringify(error);
  const times = { processStartMs, loadMs: loadMs || performance.now() - loadStarted };
  const unwritten = await writeReports(args, reports, topologies, times, reason);
  if (error !== undefined) throw error instanceof Error ? error : new InfraError(String(reason));
  if (unwritten) throw new InfraError(unwritten);
  return reports.every((r) => r.passed) ? ExitCode.passed : ExitCode.stepFailed;
}

/**
 * Runs (or checks) each lab of the session in turn, each report kept as soon as it is made; then
 * reports the scenarios left out. A pause that ended the run leaves the later labs unbuilt.
 */
async function runLabs(
  session: LabSession,
  mode: 'run' | 'check',
  { reporter, events, pauses }: { reporter: ConsoleReporter; events: RunEvents; pauses: { ended(): boolean } },
  reports: RunReport[],
  topologies: Map<string, Topology>,
): Promise<void> {
  for (const [i, lab] of session.labs.entries()) {
    if (pauses.ended()) {
      const rest = session.labs.slice(i).map((l) => l.spec.scenarioFile);
      reporter.progress(`not run, since the run ended at a failure (--pause-on-fail): ${rest.join(', ')}`);
      break;
    }
    topologies.set(lab.plan.topology.lab, lab.plan.topology);
    reporter.begin(lab.plan.topology.name, session.backend.profile.name, lab.plan.topology.lab);
    const report = mode === 'run' ? await session.run(lab, events) : await session.check(lab, events);
    reporter.end(report);
    reports.push(report);
  }
  for (const left of session.leftOut) {
    const report = leftOutReport(session.backend.profile.name, left);
    reporter.leftOut(report);
    reports.push(report);
  }
}

function sessionOptions(args: RunArgs, mode: 'run' | 'check', progress: Progress): SessionOptions {
  const folder = (path: string | undefined, key: 'captures' | 'collect') =>
    path === undefined ? {} : { [key]: resolve(path) };
  return {
    backend: args.backend as BackendChoice,
    settings: backendSettings(args),
    flags: (profile) => backendFlagValues(args, profile),
    ...(args.name !== undefined ? { name: args.name } : {}),
    keep: args.keep,
    attach: mode === 'check',
    skipUnsupported: args.skipUnsupported,
    select: testsOf(args),
    retries: retriesOf(args.retry),
    ...folder(args.captures, 'captures'),
    ...folder(args.collectOnFailure, 'collect'),
    handleSignals: true,
    progress,
  };
}

/** The reporter's side of the run's events, and the pauses: a step is announced once its pause ends. */
function runEvents(reporter: ConsoleReporter, pauses: ReturnType<typeof pauseEvents>): RunEvents {
  return {
    labReady: (lab, ms) => reporter.labReady(lab, ms),
    stepStarting: async (step) => {
      await pauses.stepStarting?.(step);
      reporter.stepStarting(step, pauses.stepStarting !== undefined);
    },
    stepRetrying: (failed, retry, retries) => reporter.stepRetrying(failed, retry, retries),
    stepDone: (result, total) => reporter.stepDone(result, total),
    ...(pauses.stepFailed ? { stepFailed: pauses.stepFailed } : {}),
  };
}

/** Options that take one value: given twice is a usage error, not a silent choice of one. */
const SINGLE = ['junit', 'html', 'summary', 'captures', 'collect-on-failure', 'name', 'lab', 'retry'];

function onceEach(args: Record<string, unknown>): void {
  for (const option of SINGLE) {
    const value = args[option];
    if (Array.isArray(value)) throw new UsageError(`--${option} is given ${value.length} times: give it once`);
  }
}

const testsOf = (args: RunArgs): string[] => [args.test ?? []].flat();

/** `--retry N`: a whole number, read from the text given (a number option would turn "abc" into NaN and "1e1" into 10). */
function retriesOf(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text) || Number(text) > 10)
    throw new UsageError(`--retry ${text}: give a whole number from 0 to 10`);
  return Number(text);
}

/** Every output is checked before anything is built, so that a run's results are never lost. */
function checkOutputs(args: RunArgs): void {
  for (const [option, file] of [
    ['--junit', args.junit],
    ['--html', args.html],
    ['--summary', args.summary],
  ] as const) {
    if (file !== undefined) checkWritable(file, option);
  }
  if (args.captures !== undefined) makeFolder(args.captures, '--captures');
  if (args.collectOnFailure !== undefined) makeFolder(args.collectOnFailure, '--collect-on-failure');
}

function makeFolder(folder: string, option: string): void {
  const path = resolve(folder);
  const missing: string[] = [];
  let existing = path;
  for (; !existsSync(existing); existing = dirname(existing)) missing.unshift(existing);
  try {
    if (!statSync(existing).isDirectory()) throw new Error(`${existing} is not a directory`);
    // One level at a time: a recursive mkdir under /proc never returns (Node retries its ENOENT).
    for (const dir of missing) mkdirSync(dir);
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new UsageError(`${option} ${folder}: cannot write there (${(error as Error).message})`);
  }
}

/** An output file is checked before anything is built, so that a run's results are never lost. */
function checkWritable(file: string, option: string): void {
  const existing = statSync(file, { throwIfNoEntry: false });
  if (existing?.isDirectory()) throw new UsageError(`${option} ${file}: is a directory; name a file`);
  const target = existing ? file : dirname(file);
  try {
    if (!existing && !statSync(target).isDirectory()) throw new Error('not a directory');
    accessSync(target, constants.W_OK);
  } catch {
    throw new UsageError(
      `${option} ${file}: cannot write there (${existing ? 'the file is not writable' : `${target} is not a writable directory`})`,
    );
  }
}
