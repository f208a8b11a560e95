import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import type { ProfileSummary } from './cpu-profile.js';
import type { BenchSession, ScenarioResult } from './harness.js';
import { REPO_ROOT } from './server-processes.js';

const TOP_GROUPS = 12;

export interface MachineDescription {
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  nodeVersion: string;
  platform: string;
  commit: string;
}

function readCpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown (no /proc/cpuinfo)';
  }
}

/** Returns the commit of the repository, marked when src/ differs from it. Never writes to the git index. */
function readCommit(): string {
  const options = { cwd: REPO_ROOT, encoding: 'utf8' as const, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } };
  let commit: string;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], options).trim();
  } catch {
    return 'unknown';
  }
  try {
    execFileSync('git', ['diff', '--quiet', 'HEAD', '--', 'src'], options);
    return commit;
  } catch {
    return `${commit} with uncommitted changes in src/`;
  }
}

export function describeMachine(): MachineDescription {
  return {
    cpuModel: readCpuModel(),
    cpuCount: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    nodeVersion: process.version,
    platform: `${process.platform} ${process.arch}`,
    commit: readCommit(),
  };
}

function formatNumber(value: number, unit: string): string {
  if (unit === 'req/s') {
    return Math.round(value).toLocaleString('en-US');
  }
  return value.toFixed(unit === 's' ? 1 : 2);
}

function formatScenario(result: ScenarioResult): string[] {
  const lines = [`### ${result.title}`, '', '| figure | median | unit | runs | p50 latency ms | p99 latency ms |', '|---|---:|---|---|---:|---:|'];
  for (const measurement of result.measurements) {
    const runs = measurement.runs.map((run) => formatNumber(run, measurement.unit)).join(' / ');
    lines.push(
      `| ${measurement.label} | ${formatNumber(measurement.median, measurement.unit)} | ${measurement.unit} | ${runs} | ${measurement.latencyP50Ms ?? '-'} | ${measurement.latencyP99Ms ?? '-'} |`,
    );
  }
  lines.push('');
  for (const ratio of result.ratios) {
    lines.push(`- ratio ${ratio.label}: ${ratio.value.toFixed(3)}`);
  }
  for (const target of result.targets) {
    lines.push(`- target "${target.description}": ${target.isMet ? 'MET' : 'MISSED'} (${target.detail})`);
  }
  for (const note of result.notes) {
    lines.push(`- ${note}`);
  }
  lines.push('');
  return lines;
}

function formatProfiles(summary: ProfileSummary[]): string[] {
  const lines = ['## CPU profiles (`--profile`; figures above are slowed by the profiler)', ''];
  for (const profile of summary) {
    lines.push(`### ${profile.name} (${profile.busyMs.toFixed(0)} ms busy of ${profile.totalMs.toFixed(0)} ms sampled)`, '');
    lines.push('| group | self time % of busy |', '|---|---:|');
    for (const group of profile.groups.slice(0, TOP_GROUPS)) {
      lines.push(`| ${group.name} | ${group.percent.toFixed(1)} |`);
    }
    lines.push('', '| function | location | self time % of busy |', '|---|---|---:|');
    for (const entry of profile.functions) {
      lines.push(`| ${entry.name} | ${entry.location} | ${entry.percent.toFixed(1)} |`);
    }
    lines.push('', '| numberhost function | location | inclusive time % of busy |', '|---|---|---:|');
    for (const entry of profile.sourceFunctions) {
      lines.push(`| ${entry.name} | ${entry.location} | ${entry.percent.toFixed(1)} |`);
    }
    lines.push('');
  }
  return lines;
}

/** Renders the results as the Markdown that docs/benchmarks.md records. */
export function formatReport(
  machine: MachineDescription,
  session: BenchSession,
  results: ScenarioResult[],
  elapsedSeconds: number,
  profiles: ProfileSummary[] | undefined,
): string {
  const lines = [
    '## Machine and settings',
    '',
    `- CPU: ${machine.cpuModel}, ${machine.cpuCount} logical CPUs; memory ${machine.memoryGiB} GiB; ${machine.platform}; Node ${machine.nodeVersion}`,
    `- numberhost commit ${machine.commit}`,
    `- ${session.runs} measured runs of ${session.durationSeconds} s per figure after a ${session.warmupSeconds} s warm-up, ${session.connections} autocannon connections`,
    `- whole run: ${elapsedSeconds.toFixed(0)} s`,
    '',
    '## Results',
    '',
  ];
  for (const result of results) {
    lines.push(...formatScenario(result));
  }
  if (profiles !== undefined) {
    lines.push(...formatProfiles(profiles));
  }
  return `${lines.join('\n')}\n`;
}
