import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { AbortedError, AmnesiaError } from '../errors.ts';

/**
 * Where initialised database templates live: this user's cache folder (mode 0700), never a shared
 * temp folder, where another user could plant a data directory for amnesia to copy and trust.
 */
export async function cacheDir(): Promise<string> {
  const dir = path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'amnesia');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await stat(dir);
  if (process.getuid && st.uid !== process.getuid())
    throw new AmnesiaError(
      'AMNESIA_ENVIRONMENT',
      `${dir} belongs to another user: amnesia keeps its embedded PostgreSQL template there and will not trust it; remove it or set XDG_CACHE_HOME`,
    );
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
  return dir;
}

/**
 * Run `work` holding a lock folder (mkdir is atomic): one builder of a template at a time
 * (parallel runs, test files), the others wait for it. A lock older than 10 minutes was left by a
 * run that died while building: it is taken over.
 */
export async function withLock(
  lock: string,
  signal: AbortSignal | undefined,
  work: () => Promise<void>,
): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 10 * 60_000) await rm(lock, { recursive: true, force: true });
      else
        await setTimeout(200, undefined, signal ? { signal } : {}).catch(() => {
          throw new AbortedError('waiting for the embedded PostgreSQL template');
        });
    }
  }
  try {
    await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
