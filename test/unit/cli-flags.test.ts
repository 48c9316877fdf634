import { describe, expect, it } from 'vitest';
import { cliParser } from '../../src/cli/main.js';

/** What yargs makes of a command line: its error message, or the help it prints; no handler runs. */
async function parse(argv: string[]): Promise<{ error?: string; output: string }> {
  let result: { error?: string; output: string } = { output: '' };
  try {
    await cliParser(argv, 100, { exitCode: 0 }).parseAsync(argv, {}, (error, _argv, output) => {
      result = { ...(error ? { error: error.message } : {}), output };
    });
  } catch (error) {
    result = { error: (error as Error).message, output: '' };
  }
  return result;
}

describe('backend flags on the command line', () => {
  it('are taken by the commands that build a lab', async () => {
    for (const command of ['run', 'up']) {
      const { output } = await parse([command, '--help']);
      expect(output).toContain('--privileged');
      expect(output).toContain('--overlay-timeout');
      expect(output).toContain('--engine');
    }
  });

  it('are refused by commands that find a running lab, but where to look (--engine) is not', async () => {
    for (const command of [['down', 'lab'], ['ls'], ['exec', 'lab', 'ns0'], ['trace', 'f.ts', 'a', 'b']]) {
      const { output } = await parse([command[0]!, '--help']);
      expect(output).not.toContain('--privileged');
      expect(output).toContain('--engine');
      expect((await parse([...command, '--privileged'])).error).toMatch(/Unknown argument: privileged/);
    }
  });
});
