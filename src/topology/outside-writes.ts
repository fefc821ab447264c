import { lstat, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * What the app wrote in the folder above its own, seen by comparing that folder's entries (name,
 * type, size, modification time) before the app started and after it stopped: a file or folder
 * that appeared, changed (a folder changes when something is added or removed in it) or went.
 * Cheap (one folder listed twice) and honest about its reach: one level up only, and anything
 * else writing there meanwhile counts too. Not watched when that folder is the system's temp
 * folder or the root, where other programs write all the time.
 */
export class OutsideWrites {
  private readonly parent: string;
  private readonly app: string;
  private readonly before: Map<string, string>;
  private readonly ignore: readonly string[];

  private constructor(parent: string, app: string, before: Map<string, string>, ignore: readonly string[]) {
    this.parent = parent;
    this.app = app;
    this.before = before;
    this.ignore = ignore;
  }

  /**
   * Start watching the folder above `appDir`; `ignore` are amnesia's own folders (copies), whose
   * ancestors in that folder are not the app's writes (nor is `.amnesia`, nor the app's folder). Undefined when the
   * folder cannot be watched.
   */
  static async start(appDir: string, ignore: readonly string[]): Promise<OutsideWrites | undefined> {
    const parent = path.dirname(path.resolve(appDir));
    if (parent === path.parse(parent).root || parent === path.resolve(tmpdir())) return undefined;
    const before = await entries(parent);
    return before
      ? new OutsideWrites(parent, path.basename(path.resolve(appDir)), before, ignore)
      : undefined;
  }

  /** `../storage/` (new), `../notes.json` (changed): the entries that differ, as the app would name them. */
  async changes(): Promise<string[]> {
    const after = (await entries(this.parent)) ?? new Map<string, string>();
    const names = new Set([...this.before.keys(), ...after.keys()]);
    // The app's own folder (what changes inside it is not outside), and amnesia's folders.
    const ours = (name: string) => {
      if (name === this.app || name === '.amnesia') return true;
      const p = path.join(this.parent, name);
      return this.ignore.some((i) => i === p || i.startsWith(`${p}${path.sep}`));
    };
    const found: string[] = [];
    for (const name of [...names].sort()) {
      const [was, is] = [this.before.get(name), after.get(name)];
      if (was === is || ours(name)) continue;
      const shown = `../${name}${(is ?? was)?.startsWith('d') ? '/' : ''}`;
      found.push(`${shown} (${was === undefined ? 'new' : is === undefined ? 'removed' : 'changed'})`);
    }
    return found;
  }
}

async function entries(dir: string): Promise<Map<string, string> | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const out = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      try {
        const st = await lstat(path.join(dir, name));
        out.set(name, `${st.isDirectory() ? 'd' : 'f'}:${st.size}:${st.mtimeMs}`);
      } catch {
        // gone meanwhile
      }
    }),
  );
  return out;
}
