import { kindNamed } from '../steps/registry.js';
import type { StepResult } from '../steps/result.js';

/** The figures of a step worth reading at a glance, as its kind words them. */
export function figures(result: StepResult): string {
  // The error itself is the failure line shown with the step.
  if (result.error || result.skipped) return '';
  return kindNamed(result.kind)?.figures(result.metrics, result.passed) ?? '';
}
