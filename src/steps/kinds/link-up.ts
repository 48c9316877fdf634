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
   * Brings a link back and restores the routes the kernel dropped with it (a link set down loses
   * every route through it): the uplink's default and static routes, or the workload's /32.
   */
  attempt(ctx, s) {
    const { host, dev, workload } = linkOf(ctx, s.linkUp);
    const routes = workload
      ? [[workload.address.address, 'dev', dev, 'scope', 'link']]
      : [['default', 'via', host.segment.gateway, 'dev', dev], ...staticRoutes(ctx.topology, host)];
    const batch = [`link set dev ${dev} up`, ...routes.map((r) => `route replace ${r.join(' ')}`)].join('\n');
    return act(ctx, host.name, ['ip', '-batch', '-'], 'linkUp', `${batch}\n`);
  },
  figures: actionFigures,
  effect: (s) => ({ clears: `link:${s.linkUp}` }),
});
