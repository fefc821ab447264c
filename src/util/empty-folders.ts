import { rmdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Remove `dir` if it is empty, then each parent that is left empty, up to but not including
 * `stop`: what a run made only for itself and left empty goes away, a folder holding anything
 * (another run's files, the user's own) stays. Never throws.
 */
export async function removeEmptyUp(dir: string, stop: string): Promise<void> {
  let d = path.resolve(dir);
  const end = path.resolve(stop);
  while (d !== end && d.startsWith(`${end}${path.sep}`)) {
    try {
      await rmdir(d);
    } catch {
      return; // not empty, gone, or not ours to remove
    }
    d = path.dirname(d);
  }
}
