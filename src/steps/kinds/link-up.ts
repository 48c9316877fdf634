import { z } from 'zod';
import { staticRoutes } from '../../dataplane/host-plan.js';
import { nodeName, stepCommon } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { act, linkOf } from '../act.js';
import { actionFigures, defineStepKind } from '../kind.js';

const schema = z.strictObject({ ...stepCommon, linkUp: nodeName });

export const linkUp = defineStepKind({
  key: 'linkUp',
  schema,
  references: (s, refs, path) => refs.node([...path, 'linkUp'], s.linkUp),
  name: (s) => `link up: ${s.linkUp}`,
  nodes: (s) => [s.linkUp],
  needs: () => [program('ip')],
  /**
   * Brings a link back and restores what the kernel dropped with it: a link set down loses every
   * route through it, and its IPv6 addresses. The uplink's addresses, default and static routes,
   * or the workload's /32 (and its IPv6 gateway address and /128).
   */
  attempt(ctx, s) {
    const { host, dev, workload } = linkOf(ctx, s.linkUp);
    const { segment } = host;
    const addresses = workload
      ? workload.gateway6 ? [[`${workload.gateway6}/64`, 'dev', dev, 'nodad']] : []
      : host.address6 ? [[`${host.address6}/${segment.subnet6!.prefix}`, 'dev', dev, 'nodad']] : [];
    const routes = workload
      ? [...(workload.address ? [[workload.address.address, 'dev', dev, 'scope', 'link']] : []), ...(workload.address6 ? [[workload.address6, 'dev', dev]] : [])]
      : [
          ['default', 'via', segment.gateway, 'dev', dev],
          ...(host.address6 ? [['default', 'via', segment.gateway6!, 'dev', dev]] : []),
          ...staticRoutes(ctx.topology, host),
        ];
    const batch = [`link set dev ${dev} up`, ...addresses.map((a) => `addr replace ${a.join(' ')}`), ...routes.map((r) => `route replace ${r.join(' ')}`)].join('\n');
    return act(ctx, host.name, ['ip', '-batch', '-'], 'linkUp', `${batch}\n`);
  },
  figures: actionFigures,
  effect: (s) => ({ clears: `link:${s.linkUp}` }),
});
