import { z } from 'zod';
import { nodeName, stepCommon } from '../../scenario/fields.js';
import { capability } from '../../requirements/requirement.js';
import { actionFigures, defineStepKind } from '../kind.js';
import { powerHost } from '../power.js';

/** Boots a stopped host; its whole plan is applied again. */
const schema = z.strictObject({
  ...stepCommon,
  startHost: nodeName.describe('A host powered on again; its dataplane is built anew.'),
});

export const startHost = defineStepKind({
  key: 'startHost',
  role: 'action',
  schema,
  references: (s, refs, path) => refs.host([...path, 'startHost'], s.startHost),
  name: (s) => `start host ${s.startHost}`,
  nodes: (s) => [s.startHost],
  needs: () => [capability('power')],
  attempt: (ctx, s) => powerHost(ctx, s.startHost, true),
  figures: actionFigures,
  effect: (s) => ({ clears: `power:${s.startHost}` }),
});
