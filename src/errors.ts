/** Exit codes of the CLI; every error class carries the one it maps to. */
export const ExitCode = {
  passed: 0,
  stepFailed: 1,
  badInput: 2,
  infrastructure: 3,
  interrupted: 130,
} as const;

export abstract class TestbedError extends Error {
  abstract readonly exitCode: number;
}

/** A scenario file that cannot be loaded or does not validate. */
export class ScenarioError extends TestbedError {
  readonly exitCode = ExitCode.badInput;
  constructor(
    readonly file: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(issues.map((i) => `${file}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n'));
  }
}

/** Bad command-line usage: unknown lab, unknown node, conflicting flags. */
export class UsageError extends TestbedError {
  readonly exitCode = ExitCode.badInput;
}

/** The machine cannot do what was asked: not root, tool missing, a command of the backend failed. */
export class InfraError extends TestbedError {
  readonly exitCode = ExitCode.infrastructure;
}

/** The lab's name is taken: another lab holds it, or another process is building it right now. */
export class LabExistsError extends InfraError {
  constructor(lab: string, backend: string) {
    super(`lab "${lab}" already exists on ${backend}; remove it with: testbed down ${lab}`);
  }
}

/** The run was interrupted by a signal; what it created has been removed. */
export class InterruptedError extends TestbedError {
  readonly exitCode = ExitCode.interrupted;
}
