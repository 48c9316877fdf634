import type { Argv } from 'yargs';
import { gatherFacts } from '../../doctor/facts.js';
import { doctorRows, doctorTable } from '../../doctor/rows.js';
import { ExitCode } from '../../errors.js';
import { backendFlagOptions, backendSettings } from '../options.js';

export const doctorCommand = {
  command: 'doctor',
  describe:
    'What this machine can do: backends, kernel features, programs, Docker, user; and what each missing thing stops',
  builder: (y: Argv) =>
    y
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print a JSON array of rows: { area, item, status: ok|missing|unknown, detail, stops?, fix? }',
      })
      .options(backendFlagOptions('find'))
      .example('$0 doctor', 'One table: what works here, what is missing, what that stops and how to get it')
      .example('$0 doctor --engine ssh://root@10.0.0.5', 'Also check the Docker engines the swarm backend would use')
      .epilogue(
        'Exit code: 0 whenever the checks ran, whatever they found (it is a report: read its rows, or --json); ' +
          '2 for bad usage. The checks run at once, each with a deadline: one that does not end in time is "unknown".',
      ),
  handler: async (args: { json: boolean; [flag: string]: unknown }): Promise<number> => {
    const facts = await gatherFacts(backendSettings(args));
    const rows = doctorRows(facts);
    process.stdout.write(args.json ? `${JSON.stringify(rows, null, 2)}\n` : doctorTable(rows));
    // A check cut off at its deadline may still wait on an engine that never answers: the report
    // is out (stdout is synchronous on Linux), so end now rather than when that socket gives up.
    if (facts.cutOff.length > 0) process.exit(ExitCode.passed);
    return ExitCode.passed;
  },
};
