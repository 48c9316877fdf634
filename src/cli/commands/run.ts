import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { selectBackend, type BackendChoice } from '../../backends/registry.js';
import { ExitCode, InfraError, UsageError } from '../../errors.js';
import { installInterruptHandler } from '../../util/interrupt.js';
import { loadLab } from '../../lab/load.js';
import { preflight } from '../../lab/preflight.js';
import { reapOrphans } from '../../lab/reap.js';
import { currentOwner } from '../../util/owner.js';
import { runScenario, type RunReport } from '../../lab/run.js';
import { ConsoleReporter } from '../../report/console.js';
import type { Topology } from '../../topology/topology.js';
import { buildJsonReport } from '../../report/json.js';
import { planFor } from '../../lab/plan.js';
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
  describe: 'Build each scenario\'s lab, run its steps, tear it down; exit 0 when every step passed',
  builder: (y: Argv) =>
    y
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'Scenario files (.ts)' })
      .option('backend', backendOption)
      .option('json', { type: 'boolean', default: false, describe: 'Print the JSON report on stdout (progress goes to stderr)' })
      .option('junit', { type: 'string', describe: 'Write a JUnit XML report to this file' })
      .option('html', { type: 'string', describe: 'Write one self-contained HTML page: each lab drawn, its steps, failures open, traces hop by hop' })
      .option('captures', {
        type: 'string',
        describe: 'Capture every step\'s nodes with tcpdump into this folder (one pcap per step and node); a failed step has its captures attached in JSON, JUnit and HTML',
      })
      .option('summary', {
        type: 'string',
        describe: 'Write a Markdown summary (a table, then what failed) to this file, e.g. $GITHUB_STEP_SUMMARY',
      })
      .option('keep', { type: 'boolean', default: false, describe: 'Leave the lab running after the steps (remove it with testbed down)' })
      .option('name', nameOption)
      .options(backendFlagOptions())
      .option('skip-unsupported', {
        type: 'boolean',
        default: false,
        describe:
          'Report steps that need what this machine or backend lacks (a kernel feature such as sch_netem, a program, ' +
          'stopping hosts) as skipped, with the reason, instead of refusing the scenario; the exit code follows the steps that ran',
      })
      .example('$0 run scenarios/two-host.ts', 'Build the seed\'s two-host lab and prove ttl 62 between workloads')
      .example('$0 run scenarios/two-host.ts --backend docker', 'The same lab with hosts as containers')
      .example('$0 run scenarios/*.ts --junit report.xml', 'Run every scenario, one JUnit testsuite each')
      .example('$0 run scenarios/two-host.ts --json | jq .runs[0].steps[0].metrics', 'Read the figures of a step')
      .example('$0 run scenarios/faults.ts --skip-unsupported', 'On a kernel without netem: run the rest, show the netem steps skipped'),
  handler: async (args: RunArgs, processStartMs: number): Promise<number> => {
    if (args.name !== undefined && args.files.length > 1) throw new UsageError('--name needs exactly one scenario file');
    for (const [option, file] of [['--junit', args.junit], ['--html', args.html], ['--summary', args.summary]] as const) {
      if (file !== undefined) checkWritable(file, option);
    }
    if (args.captures !== undefined) makeFolder(args.captures, '--captures');
    const topologies = new Map<string, Topology>();
    const reporter = new ConsoleReporter(args.json ? process.stderr : process.stdout);
    installInterruptHandler((m) => reporter.progress(m));
    const loadStarted = performance.now();
    let loadMs = 0;
    const reports: RunReport[] = [];
    let error: unknown;
    try {
      // Every file is validated, and checked against the backend, before anything is created.
      const specs = [];
      for (const file of args.files) specs.push(await loadLab(file, args.name));
      const backend = await selectBackend(args.backend as BackendChoice, backendSettings(args));
      await reapOrphans([backend], (m) => reporter.progress(m));
      // A kept lab outlives the run, as one of `up` does: it has no owner to be reaped after.
      const owner = args.keep ? undefined : currentOwner();
      const plans = specs.map((spec) => planFor(backend.profile, spec, backendFlagValues(args, backend.profile), owner));
      for (const plan of plans) topologies.set(plan.topology.lab, plan.topology);
      const skips = await preflight(backend, specs, args.skipUnsupported, (m) => reporter.progress(m), { captures: args.captures !== undefined });
      loadMs = performance.now() - loadStarted;
      for (const [i, plan] of plans.entries()) {
        reporter.begin(plan.topology.name, backend.profile.name, plan.topology.lab);
        const report = await runScenario(backend, specs[i]!, plan, reporter, {
          keep: args.keep,
          skips: skips[i],
          ...(args.captures !== undefined ? { captures: resolve(args.captures) } : {}),
        });
        reporter.end(report);
        reports.push(report);
      }
    } catch (caught) {
      error = caught;
    }
    // The scenarios that did run are reported even when a later one could not be; machine-readable
    // reports are written whatever happened, with the reason the run stopped.
    if (reports.length > 0) reporter.summary(reports);
    const reason = error === undefined ? undefined : error instanceof Error ? error.message : String(error);
    if (args.json) {
      const document = buildJsonReport(reports, processStartMs, loadMs || performance.now() - loadStarted, reason);
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    }
    if (args.junit) {
      // Loaded on demand: the XML builder costs ~50 ms of start-up that most runs do not need.
      const { renderJunit } = await import('../../report/junit.js');
      try {
        writeFileSync(args.junit, renderJunit(reports, reason));
      } catch (caught) {
        error ??= new InfraError(`--junit ${args.junit}: ${(caught as Error).message}`);
      }
    }
    const outputs: [string | undefined, () => Promise<string>][] = [
      [args.html, async () => (await import('../../report/html.js')).renderHtml(reports, topologies, dirname(resolve(args.html!)), reason)],
      [args.summary, async () => (await import('../../report/summary.js')).renderSummary(reports, reason)],
    ];
    for (const [file, render] of outputs) {
      if (file === undefined) continue;
      try {
        writeFileSync(file, await render());
      } catch (caught) {
        error ??= new InfraError(`${file}: ${(caught as Error).message}`);
      }
    }
    if (error) throw error;
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
    throw new UsageError(`${option} ${file}: cannot write there (${existing ? 'the file is not writable' : `${target} is not a writable directory`})`);
  }
}
