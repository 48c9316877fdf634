import { z } from 'zod';
import { faultLink, linkDownOps } from '../../dataplane/link-changes.js';
import { ipWords } from '../../dataplane/render.js';
import { nodeName, stepCommon } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { act } from '../act.js';
import { actionFigures, defineStepKind } from '../kind.js';

/** A host (its uplink) or a workload (the host end of its veth). */
const schema = z.strictObject({
  ...stepCommon,
  linkDown: nodeName.describe(
    'A workload (its host-side veth goes down) or a host (its uplink goes down); the kernel drops the routes through the link.',
  ),
});

export const linkDown = defineStepKind({
  key: 'linkDown',
  role: 'action',
  schema,
  references: (s, refs, path) => refs.node([...path, 'linkDown'], s.linkDown),
  name: (s) => `link down: ${s.linkDown}`,
  nodes: (s) => [s.linkDown],
  needs: () => [program('ip')],
  attempt(ctx, s) {
    const { host } = faultLink(ctx.topology, s.linkDown);
    return act(ctx, host.name, ['ip', ...ipWords(linkDownOps(ctx.topology, s.linkDown))], 'linkDown');
  },
  figures: actionFigures,
  effect: (s) => ({ sets: `link:${s.linkDown}` }),
});
