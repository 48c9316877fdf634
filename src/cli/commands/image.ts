import type { Argv } from 'yargs';
import { imageBuilders } from '../../backends/registry.js';
import { ExitCode, UsageError } from '../../errors.js';
import { installInterruptHandler } from '../../util/interrupt.js';
import { ConsoleReporter } from '../../report/console.js';

const builders = imageBuilders();

export const imageBuildCommand = {
  command: 'image <action>',
  describe: `image build: build the host image of the ${builders.map((b) => b.name).join(', ')} backend (also done on first use)`,
  builder: (y: Argv) =>
    y
      .positional('action', {
        type: 'string',
        choices: ['build'],
        demandOption: true,
        describe: 'What to do with the image',
      })
      .option('backend', {
        type: 'string',
        choices: builders.map((b) => b.name),
        default: builders[0]?.name,
        describe: 'The backend whose image to build',
      })
      .option('method', {
        type: 'string',
        choices: [...new Set(builders.flatMap((b) => b.builder.methods))],
        default: 'auto',
        describe: builders.map((b) => b.builder.describe).join('; '),
      })
      .example('$0 image build', 'Build testbed-host:<version> the best way this machine allows')
      .example('$0 image build --method offline', 'No registry: bootstrap from the apt mirror'),
  handler: async (args: { backend?: string; method: string }): Promise<number> => {
    const chosen = builders.find((b) => b.name === args.backend);
    if (!chosen) throw new UsageError('no backend builds an image');
    if (!chosen.builder.methods.includes(args.method))
      throw new UsageError(`--method ${args.method}: ${chosen.name} builds with ${chosen.builder.methods.join(', ')}`);
    const reporter = new ConsoleReporter(process.stdout);
    installInterruptHandler((m) => reporter.progress(m));
    console.log(await chosen.builder.build(args.method, (m) => reporter.progress(m)));
    return ExitCode.passed;
  },
};
