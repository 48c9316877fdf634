import { runProcess } from '../../src/util/process.js';
import { isRoot } from './abilities.js';

/**
 * Whether this machine's kernel lets `command` succeed in a new, empty network namespace, told by
 * the test itself rather than by testbed's own probe: a test that picks its branch from testbed's
 * verdict would agree with a wrong one. Undefined where no namespace can be made here (not root,
 * and no unprivileged user namespaces), so a test cannot pick a branch by default.
 */
export async function kernelAllows(command: string): Promise<boolean | undefined> {
  const unshare = isRoot ? ['--net'] : ['--user', '--map-root-user', '--net'];
  if ((await runProcess('unshare', [...unshare, 'true'])).code !== 0) return undefined;
  return (await runProcess('unshare', [...unshare, 'sh', '-c', command])).code === 0;
}
