import { z } from 'zod';
import { nodeName, stepCommon } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { act, linkOf } from '../act.js';
import { actionFigures, defineStepKind } from '../kind.js';

/** A host (its uplink) or a workload (the host end of its veth). */
const schema = z.strictObject({ ...stepCommon, linkDown: nodeName });

export const linkDown = defineStepKind({
  key: 'linkDown',
  schema,
  references: (s, refs, path) => refs.node([...path, 'linkDown'], s.linkDown),
  name: (s) => `link down: ${s.linkDown}`,
  nodes: (s) => [s.linkDown],
  needs: () => [program('ip')],
  attempt(ctx, s) {
    const { host, dev } = linkOf(ctx, s.linkDown);
    return act(ctx, host.name, ['ip', 'link', 'set', 'dev', dev, 'down'], 'linkDown');
  },
  figures: actionFigures,
  effect: (s) => ({ sets: `link:${s.linkDown}` }),
});
