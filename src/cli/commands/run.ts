import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { BackendChoice } from '../../backends/registry.js';
import { ExitCode, InfraError, UsageError } from '../../errors.js';
import type { RunReport } from '../../lab/run.js';
import { LabSession } from '../../lab/session.js';
import { ConsoleReporter } from '../../report/console.js';
import { writeReports } from '../../report/outputs.js';
import type { Topology } from '../../topology/topology.js';
import { backendFlagOptions, backendFlagValues, backendOption, backendSettings, nameOption } from '../options.js';

interface RunArgs {
  files: string[];
  backend: string;
  json: boolean;
  junit?: string;
  html?: string;
  summary?: string;
  captures?: string;
  keep: boolean;
  name?: string;
  skipUnsupported: boolean;
  [flag: string]: unknown;
}

export const runCommand = {
  command: 'run <files..>',
  describe: "Build each scenario's lab, run its steps, tear it down; exit 0 when every step passed",
  builder: (y: Argv) =>
    y
      .positional('files', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Scenario files (.ts, .mts, .js or .mjs)',
      })
      .option('backend', backendOption)
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
      .option('captures', {
        type: 'string',
        describe:
          "Capture every step's nodes with tcpdump into this folder (one pcap per step and node); a failed step has its captures attached in JSON, JUnit and HTML",
      })
      .option('summary', {
        type: 'string',
        describe: 'Write a Markdown summary (a table, then what failed) to this file, e.g. $GITHUB_STEP_SUMMARY',
      })
      .option('keep', {
        type: 'boolean',
        default: false,
        describe: 'Leave the lab running after the steps (remove it with testbed down)',
      })
      .option('name', nameOption)
      .options(backendFlagOptions('build'))
      .option('skip-unsupported', {
        type: 'boolean',
        default: false,
        describe:
          'Report steps that need what this machine or backend lacks (a kernel feature such as sch_netem, a program, ' +
          'stopping hosts) as skipped, with the reason, instead of refusing the scenario; the exit code follows the steps that ran',
      })
      .example('$0 run scenarios/two-host.ts', "Build the seed's two-host lab and prove ttl 62 between workloads")
      .example('$0 run scenarios/two-host.ts --backend docker', 'The same lab with hosts as containers')
      .example('$0 run scenarios/*.ts --junit report.xml', 'Run every scenario, one JUnit testsuite each')
      .example('$0 run scenarios/two-host.ts --json | jq .runs[0].steps[0].metrics', 'Read the figures of a step')
      .example(
        '$0 run scenarios/faults.ts --skip-unsupported',
        'On a kernel without netem: run the rest, show the netem steps skipped',
      ),
  handler: async (args: RunArgs, processStartMs: number): Promise<number> => {
    if (args.name !== undefined && args.files.length > 1)
      throw new UsageError('--name needs exactly one scenario file');
    for (const [option, file] of [
      ['--junit', args.junit],
      ['--html', args.html],
      ['--summary', args.summary],
    ] as const) {
      if (file !== undefined) checkWritable(file, option);
    }
    if (args.captures !== undefined) makeFolder(args.captures, '--captures');
    const reporter = new ConsoleReporter(args.json ? process.stderr : process.stdout);
    const progress = (m: string) => reporter.progress(m);
    const loadStarted = performance.now();
    let loadMs = 0;
    const reports: RunReport[] = [];
    const topologies = new Map<string, Topology>();
    let error: unknown;
    try {
      // Every file is validated, and checked against the backend, before anything is created.
      const session = await LabSession.open(args.files, {
        backend: args.backend as BackendChoice,
        settings: backendSettings(args),
        flags: (profile) => backendFlagValues(args, profile),
        ...(args.name !== undefined ? { name: args.name } : {}),
        keep: args.keep,
        skipUnsupported: args.skipUnsupported,
        ...(args.captures !== undefined ? { captures: resolve(args.captures) } : {}),
        handleSignals: true,
        progress,
      });
      loadMs = performance.now() - loadStarted;
      for (const lab of session.labs) {
        topologies.set(lab.plan.topology.lab, lab.plan.topology);
        reporter.begin(lab.plan.topology.name, session.backend.profile.name, lab.plan.topology.lab);
        const report = await session.run(lab, reporter);
        reporter.end(report);
        reports.push(report);
      }
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
  },
};

function makeFolder(folder: string, option: string): void {
  try {
    mkdirSync(folder, { recursive: true });
    accessSync(folder, constants.W_OK);
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
