import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { constants as osConstants, tmpdir } from 'node:os';
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
  private container = false;
  /** Every run id the lab's runs printed (their containers are told from other projects' by it). */
  private readonly runIds = new Set<string>();

  private constructor(dir: string) {
    this.dir = dir;
    this.tmp = path.join(dir, 'tmp');
  }

  /**
   * `long`: one scenario of 16 turns with a restart, a crash and a redeploy between them. `many`:
   * also four short scenarios before it, so that a signal often lands between two scenarios (while
   * one's processes are being stopped), where a cancelled run once went on to pass.
   */
  /**
   * `daemons`: every worker also forks a setsid daemon that ignores SIGTERM, SIGINT and SIGHUP.
   * `runtime: 'container'`: the app runs in containers built from its Dockerfile on `nodeImage`
   * (leftovers then include containers and volumes of the lab's runs).
   */
  static async create(
    o: {
      scenarios?: 'long' | 'many';
      daemons?: boolean;
      runtime?: 'process' | 'container';
      nodeImage?: string;
    } = {},
  ): Promise<KillLab> {
    const lab = new KillLab(await mkdtemp(path.join(tmpdir(), 'amnesia-killlab-')));
    await mkdir(lab.tmp);
    await mkdir(path.join(lab.dir, 'scenarios'));
    lab.container = o.runtime === 'container';
    const where = lab.container
      ? `  runtime: container\n  build: { context: ${BASIC_APP}, args: { BASE: ${o.nodeImage ?? 'local/node:24'} } }\n  boot_timeout: 1m`
      : `  cwd: ${BASIC_APP}`;
    await writeFile(
      path.join(lab.dir, 'amnesia.config.yaml'),
      `app:
  command: node server.ts
${where}
  env: { MEMORY_MODE: disk, SPAWN_CHILD: "1"${o.daemons ? ', SETSID_DAEMON: "1"' : ''} }
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
    if (o.scenarios === 'many')
      for (const n of [1, 2, 3, 4])
        await writeFile(
          path.join(lab.dir, 'scenarios', `a${n}-short.yaml`),
          `name: short ${n}\nsteps:\n  - user: My name is Ada.\n  - user: What is my name?\n    expect: { recall: [Ada] }\n`,
        );
    return lab;
  }

  /**
   * Start `amnesia run`; resolves its run id once printed, and its exit status as a shell reports
   * it (128 + the signal for a process a signal ended). `startedAt` is `performance.now()` at the
   * spawn, `lineCount()` the lines it has printed on stdout so far, `ended()` whether it has exited.
   */
  start(): {
    pid: number;
    startedAt: number;
    runId: Promise<string | undefined>;
    printed(text: string): Promise<boolean>;
    lineCount(): number;
    ended(): boolean;
    output(): string;
    exited: Promise<number | null>;
  } {
    const startedAt = performance.now();
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
    let stdoutLines = 0;
    let ended = false;
    child.once('exit', () => {
      ended = true;
    });
    child.stdout.on('data', (d: Buffer) => {
      stdoutLines += d.toString().split('\n').length - 1;
    });
    const runId = new Promise<string | undefined>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = / run (\d{8}-[0-9a-f]{6})/.exec(out);
        if (m?.[1]) {
          this.runIds.add(m[1]);
          resolve(m[1]);
        }
      });
      child.once('close', () => resolve(undefined));
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('close', (code, signal) =>
        resolve(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : null)),
      ),
    );
    return {
      pid: child.pid ?? -1,
      startedAt,
      runId,
      printed,
      lineCount: () => stdoutLines,
      ended: () => ended,
      output: () => out,
      exited,
    };
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
        if (this.runIds.has(name) && !mine(name)) found.push(`copy ${name}`);
    for (const p of this.processes(alive)) found.push(`process ${p.pid} ${p.cmdline.slice(0, 120)}`);
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n'))
      if (line.includes(this.tmp)) found.push(`mount ${line.slice(0, 120)}`);
    if (this.container) found.push(...this.containerLeftovers(alive));
    return found;
  }

  /**
   * Processes of the lab's runs other than `alive`'s: they carry another run's id (a reaper still
   * at work counts too: `settled` waits for it to finish) or point into the private TMPDIR.
   */
  private processes(alive: string | undefined): { pid: number; cmdline: string }[] {
    const found: { pid: number; cmdline: string }[] = [];
    const mine = (text: string) => alive !== undefined && text.includes(alive);
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (/\) Z /.test(stat)) continue;
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        const run = /AMNESIA_(?:RUN_ID|REAPER_OF)=([^\0]+)/.exec(environ)?.[1];
        const inTmp = cmdline.includes(this.tmp) || cwd.startsWith(this.tmp);
        if (
          (run && run !== alive && environ.includes(`TMPDIR=${this.tmp}`)) ||
          (inTmp && !mine(cmdline + cwd))
        )
          found.push({ pid: Number(pid), cmdline });
      } catch {
        // gone while we looked
      }
    }
    return found;
  }

  /**
   * For a run that did not end when told to: SIGKILL `pid`, every process of the lab's runs and
   * their containers, so that one hung run does not stall or spoil the kills after it.
   */
  killEverything(pid: number): void {
    for (const p of [{ pid }, ...this.processes(undefined)])
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    if (!this.container) return;
    const ids = spawnSync('docker', ['ps', '-aq', '--filter', 'label=amnesia.run'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    for (const id of (ids.stdout ?? '').split('\n').filter(Boolean)) {
      const run = spawnSync('docker', ['inspect', '-f', '{{index .Config.Labels "amnesia.run"}}', id], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      if (this.runIds.has((run.stdout ?? '').trim()))
        spawnSync('docker', ['rm', '-f', '-v', id], { stdio: 'ignore', timeout: 60_000 });
    }
  }

  /** Containers and volumes of the lab's runs other than `alive` (by their amnesia.run label). */
  private containerLeftovers(alive: string | undefined): string[] {
    const docker = (...args: string[]) =>
      (spawnSync('docker', args, { encoding: 'utf8', timeout: 20_000 }).stdout ?? '')
        .split('\n')
        .filter(Boolean);
    const found: string[] = [];
    for (const line of docker(
      'ps',
      '-a',
      '--filter',
      'label=amnesia.run',
      '--format',
      '{{.Label "amnesia.run"}} {{.Names}}',
    )) {
      const [run, name] = line.split(' ');
      if (run && run !== alive && this.runIds.has(run)) found.push(`container ${name}`);
    }
    for (const line of docker(
      'volume',
      'ls',
      '--filter',
      'label=amnesia.run',
      '--format',
      '{{.Label "amnesia.run"}} {{.Name}}',
    )) {
      const [run, name] = line.split(' ');
      if (run && run !== alive && this.runIds.has(run)) found.push(`volume ${name}`);
    }
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
