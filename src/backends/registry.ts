import type { Backend } from './backend.js';
import { NetnsBackend } from './netns/netns-backend.js';

export const BACKEND_NAMES = ['netns'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export function createBackend(name: BackendName): Backend {
  switch (name) {
    case 'netns':
      return new NetnsBackend();
  }
}
