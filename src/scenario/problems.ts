import type { z } from 'zod';

/** Where in the scenario a problem is: keys and indexes from the top, e.g. ['hosts', 0, 'address']. */
export type Path = (string | number)[];
/** How a rule reports a problem. */
export type Fail = (path: Path, message: string) => void;
/** Reports zod's issues under a path prefix. */
export type ZodFail = (error: z.ZodError, prefix: Path) => void;
