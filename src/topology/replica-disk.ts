import { accessSync, constants, statSync } from 'node:fs';
import { cp, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { AmnesiaError, formatExit } from '../errors.ts';
import { OutputLog } from './output-log.ts';
import type { ProcessRegistry } from './process-registry.ts';

/**
 * A replica's own disk: its view of the app folder, and its data dir, TMPDIR and HOME.
 * Workers of one replica share it; nobody else sees it; a redeploy gets a fresh one.
 *
 * - `overlay` (Linux, root): a copy-on-write overlay of the app folder mounted onto itself in a
 *   private mount namespace; workers enter that namespace, see the app at its usual path, and
 *   whatever they write lands in the replica's upper dir. Free and instant.
 * - `copy`: a real copy of the app folder (large read-only folders such as node_modules
 *   symlinked) under the app folder's own `.amnesia/`, which copies skip (as every `.amnesia/`
 *   in it: amnesia's own runs, copies and artifacts), so module resolution from a copy walks up
 *   through the app folder to the same node_modules and package.json files as from the app.
 */
export interface ReplicaDisk {
  readonly mode: 'overlay' | 'copy';
  /** The app's working directory as the replica's workers see it. */
  readonly cwd: string;
  readonly dataDir: string;
  readonly tmpDir: string;
  readonly homeDir: string;
  /** Wrap a worker's argv so that it runs on this disk. */
  wrap(argv: readonly string[]): string[];
  /** Unmount and delete. Idempotent. */
  dispose(): Promise<void>;
}

export interface DiskOptions {
  appDir: string;
  /** Where this replica's private folders go (fresh and empty for a new disk). */
  dir: string;
  /**
   * Where the copy goes in copy mode: under the app folder's top-level `.amnesia/` (so that
   * node_modules and package.json files resolve as from the app), never elsewhere inside it.
   */
  copyDir: string;
  isolation: 'auto' | 'overlay' | 'copy';
  link: readonly string[];
  registry: ProcessRegistry;
  label: string;
  /** Copy mode: hears the entries the workers made beside the copy (`../x (new)`), as it is removed. */
  onOutside?: (entries: string[]) => void;
}

let overlayCapable: boolean | undefined;

/** Overlay needs Linux, root, and util-linux's unshare and nsenter. Checked once. */
export function canOverlay(): boolean {
  if (overlayCapable === undefined) {
    overlayCapable =
      process.platform === 'linux' && process.getuid?.() === 0 && onPath('unshare') && onPath('nsenter');
  }
  return overlayCapable;
}

/** Is there an executable file of that name in a folder of PATH? Looked up, not run: no process to wait for. */
function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    if (!dir) return false;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

export async function createReplicaDisk(o: DiskOptions): Promise<ReplicaDisk> {
  const mode = o.isolation === 'copy' || (o.isolation === 'auto' && !canOverlay()) ? 'copy' : 'overlay';
  if (mode === 'overlay' && !canOverlay()) {
    throw new AmnesiaError(
      'AMNESIA_INVALID_INPUT',
      'app.isolation is `overlay`, but this machine cannot mount one (it needs Linux, root, unshare and nsenter); use `isolation: copy` or `auto`',
    );
  }
  const dataDir = path.join(o.dir, 'data');
  const tmpDir = path.join(o.dir, 'tmp');
  const homeDir = path.join(o.dir, 'home');
  await Promise.all([dataDir, tmpDir, homeDir].map((d) => mkdir(d, { recursive: true })));
  const common = { dataDir, tmpDir, homeDir };
  if (mode === 'overlay') return { mode, ...common, ...(await mountOverlay(o)) };
  return { mode, ...common, ...(await copyApp(o)) };
}

async function mountOverlay(o: DiskOptions): Promise<Pick<ReplicaDisk, 'cwd' | 'wrap' | 'dispose'>> {
  const upper = path.join(o.dir, 'upper');
  const work = path.join(o.dir, 'work');
  await Promise.all([mkdir(upper), mkdir(work)]);
  const opts = `lowerdir=${o.appDir},upperdir=${upper},workdir=${work}`;
  // The holder keeps the namespace (and its mount) alive; the workers enter it.
  const holder = await o.registry.spawn({
    name: `${o.label} disk`,
    argv: [
      'unshare',
      '-m',
      '--propagation',
      'private',
      '/bin/sh',
      '-c',
      'mount -t overlay overlay -o "$1" "$2" && echo mounted && exec sleep infinity',
      'holder',
      opts,
      o.appDir,
    ],
    cwd: o.dir,
    env: { PATH: process.env.PATH ?? '' },
  });
  const log = new OutputLog(path.join(o.dir, 'holder.log'), 20);
  log.follow(holder.stdout, 'stdout');
  log.follow(holder.stderr, 'stderr');
  const mounted = new Promise<void>((resolve) => {
    const off = log.onLine((l) => {
      if (l === 'mounted') {
        off();
        resolve();
      }
    });
  });
  const outcome = await Promise.race([mounted.then(() => 'mounted' as const), holder.exited]);
  if (outcome !== 'mounted') {
    o.registry.forget(holder);
    await log.close();
    throw new AmnesiaError(
      'AMNESIA_APP_EXITED',
      `could not mount the copy-on-write overlay for ${o.label} (${formatExit(outcome)}): ${log.tail(5).join(' / ') || 'no output'}. Set app.isolation: copy to use real copies instead.`,
    );
  }
  const pid = holder.pid as number;
  let disposed = false;
  return {
    cwd: o.appDir,
    // cd inside the namespace: `nsenter --wd` resolves the folder in the caller's namespace,
    // which would put the worker in the real app folder, under the overlay.
    wrap: (argv) => [
      'nsenter',
      '-t',
      String(pid),
      '-m',
      '--',
      '/bin/sh',
      '-c',
      'cd "$1" || exit 97; shift; exec "$@"',
      'enter',
      o.appDir,
      ...argv,
    ],
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      try {
        if (holder.signal('SIGKILL')) await holder.waitGone(5_000);
        o.registry.forget(holder);
        await log.close();
      } finally {
        await rm(o.dir, { recursive: true, force: true });
      }
    },
  };
}

async function copyApp(o: DiskOptions): Promise<Pick<ReplicaDisk, 'cwd' | 'wrap' | 'dispose'>> {
  const rel = path.relative(o.appDir, o.copyDir);
  const inside = !rel.startsWith('..') && !path.isAbsolute(rel);
  if (inside && rel.split(path.sep)[0] !== '.amnesia') {
    throw new AmnesiaError(
      'AMNESIA_INTERNAL',
      `replica copies cannot go in ${o.copyDir}: it is inside the app folder ${o.appDir}, which they copy`,
    );
  }
  const cwd = path.join(o.copyDir, path.basename(o.appDir));
  await mkdir(cwd, { recursive: true });
  const skip = new Set([...o.link, '.amnesia']);
  const entries = await readdir(o.appDir, { withFileTypes: true });
  await Promise.all(
    entries.map(async (e) => {
      const from = path.join(o.appDir, e.name);
      const to = path.join(cwd, e.name);
      if (skip.has(e.name)) {
        if (e.name !== '.amnesia') await symlink(from, to);
        return;
      }
      await cp(from, to, {
        recursive: true,
        verbatimSymlinks: true,
        filter: (src) => path.basename(src) !== '.amnesia',
        // A reflink where the file system has them (btrfs, XFS): as cheap as the overlay; else a copy.
        mode: constants.COPYFILE_FICLONE,
      });
    }),
  );
  let disposed = false;
  return {
    cwd,
    wrap: (argv) => [...argv],
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      // The copy's folder holds the copy alone: anything else there, the app wrote above its folder.
      const beside = await readdir(o.copyDir, { withFileTypes: true }).catch(() => []);
      const written = beside.filter((e) => e.name !== path.basename(cwd));
      if (written.length > 0)
        o.onOutside?.(written.map((e) => `../${e.name}${e.isDirectory() ? '/' : ''} (new)`));
      await rm(o.dir, { recursive: true, force: true });
      await rm(o.copyDir, { recursive: true, force: true });
    },
  };
}
