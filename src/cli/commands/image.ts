import type { Argv } from 'yargs';
import { dockerClient, pingDocker } from '../../backends/docker/client.js';
import { buildHostImage, type ImageBuildMethod } from '../../backends/docker/image.js';
import { ExitCode } from '../../errors.js';
import { installInterruptHandler } from '../../util/interrupt.js';
import { ConsoleReporter } from '../../report/console.js';

export const imageBuildCommand = {
  command: 'image build',
  describe: 'Build the host image of the docker backend (also done on first use)',
  builder: (y: Argv) =>
    y
      .option('method', {
        type: 'string',
        choices: ['auto', 'docker', 'offline'],
        default: 'auto',
        describe:
          'docker = docker build images/host (needs the base image or a registry); offline = debootstrap from ' +
          "this machine's apt mirror and docker import (root); auto = docker if the base image is here or offline is impossible",
      })
      .example('$0 image build', 'Build testbed-host:<version> the best way this machine allows')
      .example('$0 image build --method offline', 'No registry: bootstrap from the apt mirror'),
  handler: async (args: { method: string }): Promise<number> => {
    const docker = dockerClient();
    await pingDocker(docker);
    const reporter = new ConsoleReporter(process.stdout);
    installInterruptHandler((m) => reporter.progress(m));
    const ref = await buildHostImage(docker, args.method as ImageBuildMethod, (m) => reporter.progress(m));
    console.log(ref);
    return ExitCode.passed;
  },
};
