import { z } from 'zod';
import { nodeName, stepCommon } from '../../scenario/fields.js';
import { capability } from '../../requirements/requirement.js';
import { actionFigures, defineStepKind } from '../kind.js';
import { powerHost } from '../power.js';

/** Where the backend can (docker): stop a host as if it lost power. */
const schema = z.strictObject({
  ...stepCommon,
  stopHost: nodeName.describe('A host powered off, as if it lost power.'),
});

export const stopHost = defineStepKind({
  key: 'stopHost',
  role: 'action',
  schema,
  references: (s, refs, path) => refs.host([...path, 'stopHost'], s.stopHost),
  name: (s) => `stop host ${s.stopHost}`,
  nodes: () => [],
  needs: () => [capability('power')],
  attempt: (ctx, s) => powerHost(ctx, s.stopHost, false),
  figures: actionFigures,
  effect: (s) => ({ sets: `power:${s.stopHost}` }),
});
