/**
 * Summaries of the `.cpuprofile` files that `node --cpu-prof` writes when a server
 * exits: self time grouped by package or source folder, the functions with the most
 * self time, and the numberhost functions with the most inclusive time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds since the previous sample. */
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  location: string;
  percent: number;
}

export interface ProfileSummary {
  name: string;
  totalMs: number;
  /** Sampled time minus `(idle)`. */
  busyMs: number;
  groups: Array<{ name: string; percent: number }>;
  functions: ProfileEntry[];
  /** numberhost functions (under src/) by inclusive time: the function and everything it called. */
  sourceFunctions: ProfileEntry[];
}

const TOP_FUNCTIONS = 15;
const TOP_SOURCE_FUNCTIONS = 12;

function groupOf(frame: CallFrame): string {
  const packageMatch = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(frame.url);
  if (packageMatch !== null) {
    return packageMatch[1] as string;
  }
  const sourceMatch = /\/(src\/[^/]+)\//.exec(frame.url);
  if (sourceMatch !== null) {
    return sourceMatch[1] as string;
  }
  if (frame.url.startsWith('node:')) {
    return 'node: built-ins';
  }
  if (frame.url === '' && frame.functionName.startsWith('(')) {
    return frame.functionName;
  }
  return frame.url === '' ? 'native code' : 'other scripts';
}

function locationOf(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  const short = url.includes('/node_modules/') ? url.slice(url.lastIndexOf('/node_modules/') + '/node_modules/'.length) : url.replace(/^.*?\/(src|bench)\//, '$1/');
  return short === '' ? '-' : `${short}:${frame.lineNumber + 1}`;
}

function keyOf(frame: CallFrame): string {
  return `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}`;
}

function topEntries(times: Map<string, number>, frames: Map<string, CallFrame>, busyUs: number, count: number): ProfileEntry[] {
  return [...times.entries()]
    .sort(([, a], [, b]) => b - a)
    .slice(0, count)
    .map(([key, time]) => {
      const frame = frames.get(key) as CallFrame;
      return { name: frame.functionName === '' ? '(anonymous)' : frame.functionName, location: locationOf(frame), percent: (100 * time) / busyUs };
    });
}

function addTime(times: Map<string, number>, key: string, deltaUs: number): void {
  times.set(key, (times.get(key) ?? 0) + deltaUs);
}

function parentsOf(profile: CpuProfile): Map<number, number> {
  const parents = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parents.set(child, node.id);
    }
  }
  return parents;
}

/** Summarizes one profile. The time of a sample is the delta recorded with it. */
export function summarizeProfile(name: string, profile: CpuProfile): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = parentsOf(profile);
  const selfByKey = new Map<string, number>();
  const inclusiveByKey = new Map<string, number>();
  const groups = new Map<string, number>();
  const frames = new Map<string, CallFrame>();
  let totalUs = 0;
  let idleUs = 0;

  profile.samples.forEach((nodeId, index) => {
    const deltaUs = profile.timeDeltas[index] ?? 0;
    const frame = (nodes.get(nodeId) as ProfileNode).callFrame;
    totalUs += deltaUs;
    if (frame.functionName === '(idle)') {
      idleUs += deltaUs;
      return;
    }
    frames.set(keyOf(frame), frame);
    addTime(selfByKey, keyOf(frame), deltaUs);
    addTime(groups, groupOf(frame), deltaUs);

    // Inclusive time counts each numberhost function once per sample, however often it recurs in the stack.
    const seen = new Set<string>();
    for (let current: number | undefined = nodeId; current !== undefined; current = parents.get(current)) {
      const stackFrame = (nodes.get(current) as ProfileNode).callFrame;
      const stackKey = keyOf(stackFrame);
      if (/\/src\//.test(stackFrame.url) && !seen.has(stackKey)) {
        seen.add(stackKey);
        frames.set(stackKey, stackFrame);
        addTime(inclusiveByKey, stackKey, deltaUs);
      }
    }
  });

  const busyUs = Math.max(1, totalUs - idleUs);
  return {
    name,
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    groups: [...groups.entries()].sort(([, a], [, b]) => b - a).map(([group, time]) => ({ name: group, percent: (100 * time) / busyUs })),
    functions: topEntries(selfByKey, frames, busyUs, TOP_FUNCTIONS),
    sourceFunctions: topEntries(inclusiveByKey, frames, busyUs, TOP_SOURCE_FUNCTIONS),
  };
}

/**
 * Summarizes the profiles under `directory`, one subdirectory per server. Of the
 * profiles in a subdirectory (one per thread) only the busiest is kept: the main
 * thread, not the tsx module loader's.
 */
export function summarizeProfiles(directory: string): ProfileSummary[] {
  let servers: string[];
  try {
    servers = readdirSync(directory).sort();
  } catch {
    return [];
  }
  const summaries: ProfileSummary[] = [];
  for (const server of servers) {
    const threads = readdirSync(join(directory, server))
      .filter((name) => name.endsWith('.cpuprofile'))
      .map((name) => summarizeProfile(server, JSON.parse(readFileSync(join(directory, server, name), 'utf8')) as CpuProfile));
    const busiest = threads.sort((a, b) => b.busyMs - a.busyMs)[0];
    if (busiest !== undefined) {
      summaries.push(busiest);
    }
  }
  return summaries;
}
