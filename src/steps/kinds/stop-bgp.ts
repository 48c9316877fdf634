import { z } from 'zod';
import { nodeName, stepCommon } from '../../scenario/fields.js';
import { program } from '../../requirements/requirement.js';
import { act } from '../act.js';
import { actionFigures, defineStepKind } from '../kind.js';
import { waitEnded } from '../wait-ended.js';

const schema = z.strictObject({
  ...stepCommon,
  stopBgp: nodeName.describe('A host whose BIRD is stopped: its routes leave the other hosts.'),
});

/**
 * `down` makes BIRD close its sessions with a notification, so peers withdraw the routes at once.
 * Then wait (up to 5 s) until it has exited: gone, or a zombie its parent has not reaped yet.
 */
const STOP = `pid=$(cat "$1") && birdc -s "$2" down >/dev/null && ${waitEnded('$pid', 5)}`;

export const stopBgp = defineStepKind({
  key: 'stopBgp',
  role: 'action',
  schema,
  references(s, refs, path) {
    refs.bgp([...path, 'stopBgp']);
    refs.host([...path, 'stopBgp'], s.stopBgp);
  },
  name: (s) => `stop BIRD on ${s.stopBgp}`,
  nodes: (s) => [s.stopBgp],
  needs: () => [program('birdc'), program('sh')],
  attempt(ctx, s) {
    const paths = ctx.backend.profile.birdPaths(ctx.topology.lab, s.stopBgp);
    return act(ctx, s.stopBgp, ['sh', '-c', STOP, 'sh', paths.pid, paths.socket], 'stopBgp');
  },
  figures: actionFigures,
  effect: (s) => ({ sets: `bird:${s.stopBgp}` }),
});
