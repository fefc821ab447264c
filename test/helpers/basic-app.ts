import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './cli.ts';
import { tempFiles } from './files.ts';

export const BASIC_APP = path.join(REPO, 'test/apps/basic');

export type BasicMode =
  | 'request'
  | 'global'
  | 'disk'
  | 'shutdown'
  | 'cached'
  | 'unkeyed'
  | 'postgres'
  | 'overwrite'
  | 'shared'
  | 'cookie'
  | 'unawaited';
const DB_MODES: BasicMode[] = ['cached', 'unkeyed', 'postgres', 'overwrite', 'unawaited'];

/**
 * A project folder whose amnesia.config.yaml runs the plain-node test app in one memory
 * mode, plus the given scenario files. `extra` is appended to the config's `app:` env map.
 */
export function basicProject(
  mode: BasicMode,
  files: Record<string, string>,
  options: { env?: Record<string, string>; app?: string; top?: string } = {},
) {
  const env = Object.entries({ MEMORY_MODE: mode, ...options.env })
    .map(([k, v]) => `${k}: "${v}"`)
    .join(', ');
  const config = `app:
  command: node server.ts
  cwd: ${BASIC_APP}
  env: { ${env} }
  ready: { log: listening on }
  stop_grace: 2s
${options.app ?? ''}${DB_MODES.includes(mode) ? 'services:\n  db: { postgres: embedded }\n' : ''}${options.top ?? ''}`;
  return tempFiles({ 'amnesia.config.yaml': config, ...files });
}

/**
 * Processes still alive that belong to a run: its workers and their children carry
 * AMNESIA_RUN_ID in their environment; replica disk holders and services name the run's
 * scratch folder on their command line.
 */
export function leftovers(runId: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue; // a zombie is already dead
      if (environ.includes(`AMNESIA_RUN_ID=${runId}`) || cmdline.includes(`amnesia-${runId}`))
        found.push(`${pid} ${cmdline}`);
    } catch {
      // gone while we looked
    }
  }
  return found;
}
