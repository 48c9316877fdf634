import { z } from 'zod';
import { birdCommand } from '../../dataplane/host-plan.js';
import { nodeName, stepCommon } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { act } from '../act.js';
import { actionFigures, defineStepKind } from '../kind.js';

const schema = z.strictObject({ ...stepCommon, startBgp: nodeName.describe('A host whose BIRD is started again.') });

export const startBgp = defineStepKind({
  key: 'startBgp',
  role: 'action',
  schema,
  references(s, refs, path) {
    refs.bgp([...path, 'startBgp']);
    refs.host([...path, 'startBgp'], s.startBgp);
  },
  name: (s) => `start BIRD on ${s.startBgp}`,
  nodes: (s) => [s.startBgp],
  needs: () => [program('bird')],
  attempt: (ctx, s) =>
    act(ctx, s.startBgp, birdCommand(ctx.backend.profile.birdPaths(ctx.topology.lab, s.startBgp)), 'startBgp'),
  figures: actionFigures,
  effect: (s) => ({ clears: `bird:${s.startBgp}` }),
});
