/** What needs() writes on a test group, for the reporter and the lab locks to read. */
declare module 'vitest' {
  interface TaskMeta {
    /** Why a group gated by needs() was skipped. */
    skipNote?: string;
    /** The backends whose labs the group builds on this machine: one such test per backend at a time, across files. */
    locks?: LabLock[];
  }
}

/** A lock per backend that builds labs on this machine, taken in this order. */
export const LAB_LOCKS = ['netns', 'docker'] as const;
export type LabLock = (typeof LAB_LOCKS)[number];
