import path from 'node:path';
import type { Topology } from '../scenario/types.ts';
import { durationSetting } from '../util/duration.ts';
import { shellQuote } from '../util/shell.ts';

/** What a replay must repeat: every option that changes how a scenario runs. */
export interface ReplayInput {
  /** The folder the run started in: paths are relative to it. */
  cwd: string;
  /** The config file, when there is one. */
  configFile: string | undefined;
  seed: number;
  turnTimeoutMs?: number;
  probe?: 'on-failure' | 'always' | 'never';
}

/**
 * `npx amnesia run scenarios/crash.yaml --seed 5 -c test/amnesia.yaml --timeout 20s`: the same
 * scenario, seed (so the same routing), config, turn timeout and probe mode, run from `cwd`.
 */
export function replayCommand(file: string, o: ReplayInput): string {
  const args = ['npx', 'amnesia', 'run', relative(file, o.cwd), '--seed', String(o.seed), ...common(o)];
  if (o.turnTimeoutMs !== undefined) args.push('--timeout', durationSetting(o.turnTimeoutMs));
  if (o.probe !== undefined && o.probe !== 'on-failure') args.push('--probe', o.probe);
  return args.map(shellQuote).join(' ');
}

/** `npx amnesia probe -c amnesia.yaml --replicas 2 --workers 2`: the probe ladder alone, on the same topology. */
export function probeReplayCommand(topology: Topology, o: ReplayInput): string {
  const args = ['npx', 'amnesia', 'probe', ...common(o)];
  args.push('--replicas', String(topology.replicas), '--workers', String(topology.workers));
  return args.map(shellQuote).join(' ');
}

/** `replay.sh`: goes to the folder the run started in first, so it works from anywhere. */
export function replayScript(command: string, cwd: string): string {
  return [
    '#!/bin/sh',
    '# Replays this scenario with the same seed (same routing decisions) and options,',
    '# from the folder the run started in.',
    `cd ${shellQuote(cwd)} || exit 2`,
    `exec ${command}`,
    '',
  ].join('\n');
}

function common(o: ReplayInput): string[] {
  return o.configFile ? ['-c', relative(o.configFile, o.cwd)] : [];
}

function relative(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel === '' ? file : rel;
}
