import type { HostPlan } from '../dataplane/ops.js';
import { renderScript } from '../dataplane/render.js';
import { InfraError } from '../errors.js';
import { outputTail } from '../util/process.js';
import type { Backend } from './backend.js';

/**
 * The one path that applies a host's plan, on every backend: the whole plan as one shell script
 * run inside the host, read from stdin (so no plan is too big for an argument list).
 */
export async function applyHostPlan(backend: Backend, lab: string, host: HostPlan): Promise<void> {
  const { profile } = backend;
  const script = renderScript(host.sections, host.host, (node) => profile.namespaceName(lab, node), {
    createNamespaces: profile.namespaces === 'plan',
    pathOf: (node) => profile.namespacePath(lab, node),
  });
  const result = await backend.exec(lab, host.host, ['sh', '-s'], { input: script });
  if (result.code !== 0)
    throw new InfraError(`setting up ${host.host}: ${outputTail(result) || `exit ${result.code}`}`);
}
