import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BASIC_APP } from '../helpers/basic-app.ts';
import { BIN } from '../helpers/cli.ts';

/**
 * Kill amnesia mid-run and look for what it left: a project running the plain test app with a
 * grandchild per worker and a command service, long enough (disruptions between turns) that a
 * signal lands in the middle. Every run gets a private TMPDIR, so that anything of amnesia's there,
 * or any process pointing at it, is a leftover of a run of this project.
 */
export class KillLab implements AsyncDisposable {
  readonly dir: string;
  readonly tmp: string;
  /** The runs this lab started: copy mode puts their copies in the app folder, which other tests' runs share. */
  private readonly runs = new Set<string>();

  private constructor(dir: string) {
    this.dir = dir;
    this.tmp = path.join(dir, 'tmp');
  }

  static async create(): Promise<KillLab> {
    const lab = new KillLab(await mkdtemp(path.join(tmpdir(), 'amnesia-killlab-')));
    await mkdir(lab.tmp);
    await mkdir(path.join(lab.dir, 'scenarios'));
    await writeFile(
      path.join(lab.dir, 'amnesia.config.yaml'),
      `app:
  command: node server.ts
  cwd: ${BASIC_APP}
  env: { MEMORY_MODE: disk, SPAWN_CHILD: "1" }
  ready: { log: listening on }
  stop_grace: 2s
services:
  side: { command: ["${process.execPath}", "-e", "require('net').createServer().listen(Number(process.argv[1]), '127.0.0.1', () => console.log('up'))", "{{port}}"], ready: { log: up }, env: SIDE_URL }
`,
    );
    const turns = Array.from({ length: 4 }, (_, i) => `  - user: Turn ${i} of a long talk.\n`).join('');
    await writeFile(
      path.join(lab.dir, 'scenarios', 'long.yaml'),
      `name: long\nsteps:\n${turns}  - restart\n${turns}  - crash: r1\n${turns}  - redeploy\n${turns}`,
    );
    return lab;
  }

  /** Start `amnesia run`; resolves its run id once printed, and its exit. */
  start(): {
    pid: number;
    runId: Promise<string | undefined>;
    printed(text: string): Promise<boolean>;
    output(): string;
    exited: Promise<number | null>;
  } {
    const child = spawn(process.execPath, [BIN, 'run', '--probe', 'never'], {
      cwd: this.dir,
      env: { ...process.env, TMPDIR: this.tmp, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const printed = (text: string) =>
      new Promise<boolean>((resolve) => {
        if (out.includes(text)) return resolve(true);
        const check = () => {
          if (!out.includes(text)) return;
          child.stdout.off('data', check);
          resolve(true);
        };
        child.stdout.on('data', check);
        child.once('close', () => resolve(out.includes(text)));
      });
    const runId = new Promise<string | undefined>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = / run (\d{8}-[0-9a-f]{6})/.exec(out);
        if (m?.[1]) this.runs.add(m[1]);
        if (m) resolve(m[1]);
      });
      child.once('close', () => resolve(undefined));
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : null))),
    );
    return { pid: child.pid ?? -1, runId, printed, output: () => out, exited };
  }

  /**
   * Everything of a run other than `alive`'s: scratch folders in the private TMPDIR, copies in
   * the project, processes that carry another run's id or point into the TMPDIR, overlay mounts.
   */
  leftovers(alive: string | undefined): string[] {
    const found: string[] = [];
    const mine = (name: string) => alive !== undefined && name.includes(alive);
    for (const name of readdirSync(this.tmp))
      if (name.startsWith('amnesia-') && !mine(name)) found.push(`folder ${name}`);
    const copies = path.join(BASIC_APP, '.amnesia', 'replicas');
    if (existsSync(copies))
      for (const name of readdirSync(copies))
        if (this.runs.has(name) && !mine(name)) found.push(`copy ${name}`);
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (/\) Z /.test(stat)) continue;
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        // A reaper still at work counts too: `settled` waits for it to finish.
        const run = /AMNESIA_(?:RUN_ID|REAPER_OF)=([^\0]+)/.exec(environ)?.[1];
        const inTmp = cmdline.includes(this.tmp) || cwd.startsWith(this.tmp);
        if (
          (run && run !== alive && environ.includes(`TMPDIR=${this.tmp}`)) ||
          (inTmp && !mine(cmdline + cwd))
        )
          found.push(`process ${pid} ${cmdline.slice(0, 120)}`);
      } catch {
        // gone while we looked
      }
    }
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n'))
      if (line.includes(this.tmp)) found.push(`mount ${line.slice(0, 120)}`);
    return found;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Poll `check` until it returns an empty list or `ms` pass; the last list found. */
export async function settled(check: () => string[], ms = 10_000): Promise<string[]> {
  const deadline = performance.now() + ms;
  for (;;) {
    const found = check();
    if (found.length === 0 || performance.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}
