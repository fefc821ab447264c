import path from 'node:path';
import type { ResolvedConfig } from './types.ts';

/** Placeholders that make a path differ from one replica to the next. */
const PER_REPLICA = /\{\{\s*(replica|data_dir|port)\s*\}\}/;
/** System folders an app reads (binaries, certificates, devices), not where it keeps memory. */
const SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib64', '/etc', '/dev', '/proc', '/sys', '/nix', '/opt'];

/**
 * Absolute paths outside the replicas that `app.env` hands every worker: every replica reads and
 * writes the same folder there, as if it were on a network volume. A cross-replica scenario then
 * passes where production without such a volume would fail, so the report says so. A value counts
 * when it is one absolute path, outside the app folder (each replica has its own) and the system
 * folders, without a per-replica placeholder (`{{replica}}`, `{{data_dir}}`, `{{port}}`).
 */
export function sharedPaths(config: Pick<ResolvedConfig, 'app'>): { env: string; path: string }[] {
  return Object.entries(config.app.env).flatMap(([env, value]) => {
    if (PER_REPLICA.test(value) || !path.isAbsolute(value) || /[\s:]/.test(value)) return [];
    const p = path.normalize(value);
    const inside = (dir: string) => p === dir || p.startsWith(`${dir}/`);
    if (inside(config.app.cwd) || SYSTEM.some(inside)) return [];
    return [{ env, path: p }];
  });
}

/**
 * Paths in `app.env` that point inside the app folder (absolute, or `./…`): each replica has its
 * own copy of the app folder, so each has its own copy of that path, and what one replica writes
 * there the others never see. Worth a note: a newcomer may mean one folder all replicas share
 * (`{{shared_dir}}`).
 */
export function appFolderPaths(config: Pick<ResolvedConfig, 'app'>): { env: string; path: string }[] {
  return Object.entries(config.app.env).flatMap(([env, value]) => {
    if (/\{\{|[\s:]/.test(value)) return [];
    const relative = value === '.' || value.startsWith('./');
    if (!relative && !path.isAbsolute(value)) return [];
    const p = path.resolve(config.app.cwd, value);
    return p === config.app.cwd || p.startsWith(`${config.app.cwd}/`) ? [{ env, path: p }] : [];
  });
}
