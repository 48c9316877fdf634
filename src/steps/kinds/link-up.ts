import { z } from 'zod';
import { faultLink, linkUpOps } from '../../dataplane/link-changes.js';
import { renderIpBatch } from '../../dataplane/render.js';
import { nodeName, stepCommon } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { act } from '../act.js';
import { actionFigures, defineStepKind } from '../kind.js';

const schema = z.strictObject({
  ...stepCommon,
  linkUp: nodeName.describe(
    'A workload or a host whose link comes back up, with the routes and addresses the kernel dropped with it.',
  ),
});

export const linkUp = defineStepKind({
  key: 'linkUp',
  role: 'action',
  schema,
  references: (s, refs, path) => refs.node([...path, 'linkUp'], s.linkUp),
  name: (s) => `link up: ${s.linkUp}`,
  nodes: (s) => [s.linkUp],
  needs: () => [program('ip')],
  /** Brings a link back and restores what the kernel dropped with it (the data plane knows what). */
  attempt(ctx, s) {
    const { host } = faultLink(ctx.topology, s.linkUp);
    return act(
      ctx,
      host.name,
      ['ip', '-batch', '-'],
      'linkUp',
      renderIpBatch(linkUpOps(ctx.topology, s.linkUp, ctx.backend.profile.uplinkMac)),
    );
  },
  figures: actionFigures,
  effect: (s) => ({ clears: `link:${s.linkUp}` }),
});
