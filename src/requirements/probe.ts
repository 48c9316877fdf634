import { KERNEL_FEATURES, type KernelFeature } from './kernel.js';
import type { ProgramName } from './programs.js';

/**
 * Pure: a shell script that reports, one line each, the programs that are missing and the kernel
 * features whose probe fails, with the kernel's build option and the probe's error. Every word in
 * it comes from the tables, none from a scenario.
 */
export function probeScript(programs: readonly ProgramName[], features: readonly KernelFeature[]): string {
  const lines = programs.map((p) => `command -v ${p} >/dev/null 2>&1 || echo "program ${p}"`);
  for (const feature of features) {
    const { probe, config, probeNeeds } = KERNEL_FEATURES[feature];
    lines.push(
      `if command -v ${probeNeeds} >/dev/null 2>&1 && ! out=$(${probe} 2>&1); then`,
      `  echo "kernel ${feature} error $(echo "$out" | head -n 1)"`,
      `  echo "kernel ${feature} config $(zcat /proc/config.gz 2>/dev/null | grep -m 1 -E '^(# )?${config}[= ]')"`,
      'fi',
    );
  }
  return `${lines.join('\n')}\ntrue\n`;
}

export interface ProbeFindings {
  missingPrograms: ProgramName[];
  /** Per missing kernel feature, why it is missing, in words. */
  missingKernel: Map<KernelFeature, string>;
}

/** Pure: reads what `probeScript` printed. */
export function parseProbe(output: string): ProbeFindings {
  const missingPrograms: ProgramName[] = [];
  const errors = new Map<KernelFeature, string>();
  const configs = new Map<KernelFeature, string>();
  for (const line of output.split(/\r?\n/)) {
    const program = line.match(/^program (\S+)$/);
    if (program) missingPrograms.push(program[1] as ProgramName);
    const kernel = line.match(/^kernel (\S+) (error|config) ?(.*)$/);
    if (kernel) (kernel[2] === 'error' ? errors : configs).set(kernel[1] as KernelFeature, kernel[3]!.trim());
  }
  const missingKernel = new Map<KernelFeature, string>();
  for (const [feature, error] of errors)
    missingKernel.set(feature, explainKernel(feature, configs.get(feature) ?? '', error));
  return { missingPrograms, missingKernel };
}

function explainKernel(feature: KernelFeature, configLine: string, error: string): string {
  const { config } = KERNEL_FEATURES[feature];
  if (configLine === `# ${config} is not set`) return `this kernel was built without ${config}`;
  if (configLine === `${config}=m`) return `${config} is a module here, and it did not load (try: modprobe ${feature})`;
  return `this kernel cannot do it (${config}${error ? `; the probe said: ${error}` : ''})`;
}
