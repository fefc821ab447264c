import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';

/**
 * The reaper's program: it reads what to clean up from its stdin, a pipe from amnesia, and does it
 * when that pipe ends, which happens however amnesia ends, SIGKILL included. It ignores the
 * signals a terminal or a supervisor sends to amnesia, and lives in its own session.
 *
 * When the pipe ends it also kills every process whose environment carries the run's id
 * (AMNESIA_RUN_ID, see strays.ts): daemons of the app that left their worker's process group.
 *
 * Lines: `+PGID` / `-PGID` a process group to kill / no longer to kill; `d PATH` / `x PATH` a folder
 * to remove / no longer to remove; `l LABEL` / `u LABEL` containers and volumes carrying a docker
 * label (`key=value`) to remove / no longer to remove.
 */
const PROGRAM = `
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const groups = new Set();
const dirs = new Set();
const labels = new Set();
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']) process.on(s, () => {});
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    const arg = line.slice('dxlu'.includes(line[0]) ? 2 : 1);
    if (line[0] === '+') groups.add(Number(arg));
    else if (line[0] === '-') groups.delete(Number(arg));
    else if (line[0] === 'd') dirs.add(arg);
    else if (line[0] === 'x') dirs.delete(arg);
    else if (line[0] === 'l') labels.add(arg);
    else if (line[0] === 'u') labels.delete(arg);
  }
});
// Processes that carry the run's id but left their group (setsid daemons of the app).
const pause = new Int32Array(new SharedArrayBuffer(4));
const strays = () => {
  const mark = '\\0AMNESIA_RUN_ID=' + process.env.AMNESIA_REAPER_OF + '\\0';
  let pids = [];
  try { pids = fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)); } catch {}
  return pids.filter((p) => { try { return ('\\0' + fs.readFileSync('/proc/' + p + '/environ', 'latin1')).includes(mark); } catch { return false; } });
};
process.stdin.on('end', () => {
  for (const g of groups) if (g > 1) try { process.kill(-g, 'SIGKILL'); } catch {}
  for (let i = 0, left = strays(); left.length > 0 && i < 50; i++, left = strays()) {
    for (const p of left) { try { process.kill(-p, 'SIGKILL'); } catch {} try { process.kill(Number(p), 'SIGKILL'); } catch {} }
    Atomics.wait(pause, 0, 0, 20);
  }
  for (const d of dirs) try { fs.rmSync(d, { recursive: true, force: true }); } catch {}
  const docker = (...args) => spawnSync('docker', args, { encoding: 'utf8', timeout: 20000 }).stdout?.split('\\n').filter(Boolean) ?? [];
  for (const l of labels) {
    const ids = docker('ps', '-aq', '--filter', 'label=' + l);
    if (ids.length) docker('rm', '-fv', ...ids);
    const volumes = docker('volume', 'ls', '-q', '--filter', 'label=' + l);
    if (volumes.length) docker('volume', 'rm', '-f', ...volumes);
  }
  process.exit(0);
});
`;

/**
 * A watchdog process per run, like testcontainers' ryuk for processes: whatever amnesia started
 * and has not yet seen gone is killed, and its scratch folders removed, even when amnesia itself is
 * killed with SIGKILL (its `exit` handlers never run then).
 */
export class Reaper {
  private readonly child: ChildProcess & { stdin: NonNullable<ChildProcess['stdin']> };
  private readonly exited: Promise<void>;
  private ended = false;

  private constructor(child: Reaper['child']) {
    this.child = child;
    this.exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  }

  /**
   * `runId` goes into its environment as AMNESIA_REAPER_OF (not AMNESIA_RUN_ID: for the moment it
   * outlives amnesia it is cleaning up, not a leftover), so that it can be found and told apart.
   */
  static async start(runId: string): Promise<Reaper> {
    const child = spawn(process.execPath, ['-e', PROGRAM], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { PATH: process.env.PATH ?? '', AMNESIA_REAPER_OF: runId, TMPDIR: tmpdir() },
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const reaper = new Reaper(child);
    child.stdin.on('error', () => {}); // the reaper died: nothing left to tell it
    // Neither the reaper nor its pipe may keep amnesia's event loop alive while the run goes on.
    child.unref();
    (child.stdin as unknown as { unref(): void }).unref();
    return reaper;
  }

  private send(line: string): void {
    if (!this.ended && !line.includes('\n')) this.child.stdin.write(`${line}\n`);
  }

  watchGroup(pgid: number): void {
    if (pgid > 1) this.send(`+${pgid}`);
  }

  releaseGroup(pgid: number): void {
    this.send(`-${pgid}`);
  }

  watchFolder(dir: string): void {
    this.send(`d ${dir}`);
  }

  releaseFolder(dir: string): void {
    this.send(`x ${dir}`);
  }

  /** Containers and volumes with this docker label (`key=value`), removed if amnesia dies. */
  watchLabel(label: string): void {
    this.send(`l ${label}`);
  }

  releaseLabel(label: string): void {
    this.send(`u ${label}`);
  }

  /** The run ended cleanly: the reaper cleans whatever is still listed, then exits. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    // Held again while it finishes, so that `await close()` returns in a program that goes on.
    this.child.ref();
    (this.child.stdin as unknown as { ref(): void }).ref();
    this.child.stdin.end();
    await this.exited;
  }
}
