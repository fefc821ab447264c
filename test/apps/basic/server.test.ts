// Boots test/apps/basic/server.ts as real child processes (in temp copies of the app folder, so
// ./storage stays out of the repo) against a throwaway fake LLM and, for the PostgreSQL modes, a
// real embedded PostgreSQL (PGlite over TCP), and checks each memory mode's signature.
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GroupProcess, spawnGroup } from '../../../src/topology/process-group.ts';

const appDir = import.meta.dirname;
const repoRoot = join(appDir, '../../..');

type Message = { role: string; content: string };
type Proc = {
  group: GroupProcess;
  pid: number;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
};
type App = Proc & { url: string };

// --- processes: every child is its own process group, killed whole after each test ---------------
const apps = new Set<Proc>();
const tmpDirs: string[] = [];

/** Spawned with the engine's own module: its exit resolves only once both pipes drained. */
async function launch(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<Proc> {
  const group = await spawnGroup({ argv: [command, ...args], cwd, env, name: command });
  const proc: Proc = {
    group,
    pid: group.pid,
    stdout: '',
    stderr: '',
    exit: group.exited.then((e) => e.code),
  };
  group.stdout.on('data', (d) => {
    proc.stdout += d;
  });
  group.stderr.on('data', (d) => {
    proc.stderr += d;
  });
  return proc;
}

function killGroup(proc: Proc, signal: NodeJS.Signals = 'SIGKILL') {
  proc.group.signal(signal);
}

/** Resolves with the first match of `pattern` in the process's output; rejects if it exits first. */
function waitForLine(proc: Proc, pattern: RegExp, stream: 'stdout' | 'stderr' = 'stdout') {
  return new Promise<RegExpExecArray>((resolve, reject) => {
    // Runs after launch()'s own listener has appended the chunk.
    const check = () => {
      const match = pattern.exec(proc[stream]);
      if (!match) return;
      proc.group[stream].off('data', check);
      resolve(match);
    };
    proc.group[stream].on('data', check);
    check();
    proc.exit.then((code) =>
      reject(new Error(`exited with ${code} before ${pattern}:\n${proc.stdout}\n${proc.stderr}`)),
    );
  });
}

function isAlive(pid: number) {
  try {
    // A zombie still answers kill(0): look at its state too.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number) {
  for (let i = 0; i < 200 && isAlive(pid); i++) await delay(10);
  return !isAlive(pid);
}

afterEach(async () => {
  for (const proc of apps) killGroup(proc);
  await Promise.all([...apps].map((p) => p.exit));
  apps.clear();
});

afterAll(() => {
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

/** A replica's disk: a temp copy of the app folder, node_modules linked (for `pg`). */
function replicaDir() {
  const dir = mkdtempSync(join(tmpdir(), 'amnesia-basic-'));
  tmpDirs.push(dir);
  cpSync(join(appDir, 'server.ts'), join(dir, 'server.ts'));
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

// --- the fake LLM: records every request, answers a fixed reply -------------------------------------
const llm = {
  url: '',
  requests: [] as { url: string; body: { model: string; messages: Message[] } }[],
  reply: 'ok',
  status: 200,
};

beforeAll(async () => {
  const server = createServer(async (req, res) => {
    const body = JSON.parse(Buffer.concat(await req.toArray()).toString());
    llm.requests.push({ url: req.url ?? '', body });
    if (llm.status !== 200) {
      res.writeHead(llm.status, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"the fake LLM is down"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: llm.reply } }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  llm.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return () => server.close();
});

afterEach(() => {
  llm.requests = [];
  llm.reply = 'ok';
  llm.status = 200;
});

// --- the app -------------------------------------------------------------------------------------
function env(extra: Record<string, string>) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: '0',
    OPENAI_BASE_URL: llm.url,
    OPENAI_API_KEY: 'test',
    AMNESIA_REPLICA: '1',
    AMNESIA_WORKER: '1',
    ...extra,
  };
}

async function start(cwd: string, extra: Record<string, string>): Promise<Proc> {
  const proc = await launch(process.execPath, ['server.ts'], cwd, env(extra));
  apps.add(proc);
  return proc;
}

async function boot(cwd: string, extra: Record<string, string>): Promise<App> {
  const proc = await start(cwd, extra);
  const [, port] = await waitForLine(proc, /listening on (\d+)/);
  return Object.assign(proc, { url: `http://127.0.0.1:${port}` });
}

/** Stops one app with a signal and waits for its exit code. */
async function stop(app: Proc, signal: NodeJS.Signals) {
  killGroup(app, signal);
  const code = await app.exit;
  apps.delete(app);
  return code;
}

/** One chat turn; returns the answer and the messages the app sent the LLM for it. */
async function chat(app: App, session: string, message: string) {
  const before = llm.requests.length;
  const res = await fetch(`${app.url}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ session_id: session, message }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const { answer } = (await res.json()) as { answer: string };
  const calls = llm.requests.slice(before);
  expect(calls).toHaveLength(1);
  const messages = calls[0]?.body.messages ?? [];
  return { answer, messages, prompt: messages.map((m) => m.content).join('\n') };
}

const sid = () => `s-${randomUUID()}`;

describe('basic app: contract', { timeout: 20_000 }, () => {
  it('answers /healthz and /whoami', async () => {
    const dir = replicaDir();
    const app = await boot(dir, { MEMORY_MODE: 'global', AMNESIA_REPLICA: '2', AMNESIA_WORKER: '3' });
    const health = await fetch(`${app.url}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok']);
    const who = await (await fetch(`${app.url}/whoami`)).json();
    expect(who).toEqual({ pid: app.pid, replica: '2', worker: '3', cwd: dir, mode: 'global' });
  });

  it('sends the system prompt, history and user message with gpt-4o-mini to <base>/chat/completions', async () => {
    const app = await boot(replicaDir(), { MEMORY_MODE: 'global' });
    const s = sid();
    const first = await chat(app, s, 'My name is Ada.');
    expect(first.answer).toBe('ok');
    expect(llm.requests[0]?.url).toBe('/v1/chat/completions');
    expect(llm.requests[0]?.body.model).toBe('gpt-4o-mini');
    const second = await chat(app, s, 'What is my name?');
    expect(second.messages).toEqual([
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'What is my name?' },
    ]);
  });

  it('keeps a session by cookie when the body has no session_id', async () => {
    const app = await boot(replicaDir(), { MEMORY_MODE: 'global' });
    const post = (message: string, cookie?: string) =>
      fetch(`${app.url}/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
        body: JSON.stringify({ message }),
      });
    const first = await post('cookie canary 7');
    expect(first.status).toBe(200);
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^sid=[^;]+; Path=\/; HttpOnly$/);
    const cookie = setCookie.split(';')[0] ?? '';
    const second = await post('what was the canary?', cookie);
    expect(second.headers.get('set-cookie')).toBeNull();
    expect(JSON.stringify(llm.requests[1]?.body.messages)).toContain('cookie canary 7');
    const stranger = await post('and for me?');
    expect(stranger.headers.get('set-cookie')).not.toBe(setCookie);
    expect(JSON.stringify(llm.requests[2]?.body.messages)).not.toContain('cookie canary 7');
  });

  it('streams the answer as SSE deltas on /chat/stream and remembers it', async () => {
    llm.reply = 'Hello from the fake model.';
    const app = await boot(replicaDir(), { MEMORY_MODE: 'global' });
    const s = sid();
    const res = await fetch(`${app.url}/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: s, message: 'stream canary' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const deltas = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')).delta as string);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Hello from the fake model.');
    const next = await chat(app, s, 'again');
    expect(next.prompt).toContain('stream canary');
    expect(next.prompt).toContain('Hello from the fake model.');
  });

  it('answers 500 {error} with the LLM status and body, and the stack on stderr', async () => {
    llm.status = 503;
    const app = await boot(replicaDir(), { MEMORY_MODE: 'global' });
    const res = await fetch(`${app.url}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: sid(), message: 'hi' }),
    });
    expect(res.status).toBe(500);
    const { error } = (await res.json()) as { error: string };
    expect(error).toContain('503');
    expect(error).toContain('the fake LLM is down');
    await waitForLine(app, /at complete/, 'stderr');
  });

  it('exits 3 on FAIL_BOOT=1 and 2 on a missing or unknown MEMORY_MODE', async () => {
    const dir = replicaDir();
    const failing = await start(dir, { MEMORY_MODE: 'global', FAIL_BOOT: '1' });
    expect(await failing.exit).toBe(3);
    expect(failing.stderr).toContain('FAIL_BOOT');
    const missing = await start(dir, {});
    expect(await missing.exit).toBe(2);
    expect(missing.stderr).toContain(
      'request, global, disk, shutdown, cached, unkeyed, cookie, postgres, unawaited, overwrite, shared',
    );
    const unknown = await start(dir, { MEMORY_MODE: 'redis' });
    expect(await unknown.exit).toBe(2);
    expect(unknown.stderr).toContain('"redis"');
  });

  it('never listens on HANG_BOOT=1 but stays alive', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = String((probe.address() as AddressInfo).port);
    await new Promise((resolve) => probe.close(resolve));
    const app = await start(replicaDir(), { MEMORY_MODE: 'global', HANG_BOOT: '1', PORT: port });
    await waitForLine(app, /never listening/, 'stderr');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(isAlive(app.pid)).toBe(true);
  });

  it('delays each answer by SLOW_CHAT_MS', async () => {
    const app = await boot(replicaDir(), { MEMORY_MODE: 'global', SLOW_CHAT_MS: '400' });
    const started = performance.now();
    await chat(app, sid(), 'slowly');
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
  });

  it('spawns a grandchild on SPAWN_CHILD=1 that dies with its process group', async () => {
    const app = await boot(replicaDir(), { MEMORY_MODE: 'global', SPAWN_CHILD: '1' });
    const [, pid] = await waitForLine(app, /child pid (\d+)/);
    expect(isAlive(Number(pid))).toBe(true);
    await stop(app, 'SIGKILL');
    expect(await waitUntilGone(Number(pid))).toBe(true);
  });
});

describe('basic app: memory modes without a database', { timeout: 20_000 }, () => {
  it('request: every turn starts empty', async () => {
    const app = await boot(replicaDir(), { MEMORY_MODE: 'request' });
    const s = sid();
    await chat(app, s, 'canary request-1');
    const second = await chat(app, s, 'what did I say?');
    expect(second.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('global: keeps history in one process, not across two', async () => {
    const dir = replicaDir();
    const [w1, w2] = await Promise.all([
      boot(dir, { MEMORY_MODE: 'global' }),
      boot(dir, { MEMORY_MODE: 'global', AMNESIA_WORKER: '2' }),
    ]);
    const s = sid();
    await chat(w1, s, 'canary global-1');
    expect((await chat(w1, s, 'again')).prompt).toContain('canary global-1');
    expect((await chat(w2, s, 'and here?')).prompt).not.toContain('canary global-1');
  });

  it('disk: shared by the processes of one replica, not by another replica', async () => {
    const replica1 = replicaDir();
    const [w1, w2, other] = await Promise.all([
      boot(replica1, { MEMORY_MODE: 'disk' }),
      boot(replica1, { MEMORY_MODE: 'disk', AMNESIA_WORKER: '2' }),
      boot(replicaDir(), { MEMORY_MODE: 'disk', AMNESIA_REPLICA: '2' }),
    ]);
    const s = sid();
    await chat(w1, s, 'canary disk-1');
    expect((await chat(w2, s, 'other worker')).prompt).toContain('canary disk-1');
    expect((await chat(other, s, 'other replica')).prompt).not.toContain('canary disk-1');
    await stop(w1, 'SIGKILL');
    const respawned = await boot(replica1, { MEMORY_MODE: 'disk' });
    expect((await chat(respawned, s, 'after a crash')).prompt).toContain('canary disk-1');
  });

  it('shutdown: survives SIGTERM + restart, not SIGKILL + restart, never shared live', async () => {
    const dir = replicaDir();
    const s = sid();
    const first = await boot(dir, { MEMORY_MODE: 'shutdown' });
    const peer = await boot(dir, { MEMORY_MODE: 'shutdown', AMNESIA_WORKER: '2' });
    await chat(first, s, 'canary shutdown-1');
    expect((await chat(first, s, 'same worker')).prompt).toContain('canary shutdown-1');
    expect((await chat(peer, s, 'other worker')).prompt).not.toContain('canary shutdown-1');
    await stop(peer, 'SIGKILL'); // its map must not overwrite the file later
    expect(await stop(first, 'SIGTERM')).toBe(0);
    const restarted = await boot(dir, { MEMORY_MODE: 'shutdown' });
    expect((await chat(restarted, s, 'after restart')).prompt).toContain('canary shutdown-1');

    const t = sid();
    await chat(restarted, t, 'canary shutdown-2');
    await stop(restarted, 'SIGKILL');
    const crashed = await boot(dir, { MEMORY_MODE: 'shutdown' });
    expect((await chat(crashed, t, 'after crash')).prompt).not.toContain('canary shutdown-2');
  });
});

/** An embedded PostgreSQL: PGlite over TCP on a port it picks, up when it logs that port. */
async function startPglite() {
  const proc = await launch(
    process.execPath,
    [join(repoRoot, 'node_modules/.bin/pglite-server'), '-p', '0', '-h', '127.0.0.1', '-m', '8'],
    repoRoot,
    { PATH: process.env.PATH, HOME: process.env.HOME },
  );
  const [, port] = await waitForLine(proc, /PGLiteSocketServer listening on \{"port":(\d+)/);
  return { proc, url: `postgres://postgres@127.0.0.1:${port}/postgres` };
}

describe('basic app: memory modes on PostgreSQL (PGlite over TCP)', { timeout: 30_000 }, () => {
  let pglite: Proc;
  let databaseUrl = '';

  beforeAll(async () => {
    ({ proc: pglite, url: databaseUrl } = await startPglite());
  }, 30_000);

  afterAll(async () => {
    killGroup(pglite);
    await pglite.exit;
  });

  const pg = (mode: string, extra: Record<string, string> = {}) => ({
    MEMORY_MODE: mode,
    DATABASE_URL: databaseUrl,
    ...extra,
  });

  it('postgres: shared across processes and replicas, survives a crash, keyed by session', async () => {
    const [a, b] = await Promise.all([
      boot(replicaDir(), pg('postgres')),
      boot(replicaDir(), pg('postgres', { AMNESIA_REPLICA: '2' })),
    ]);
    const s = sid();
    await chat(a, s, 'canary pg-1');
    expect((await chat(a, s, 'same worker')).prompt).toContain('canary pg-1');
    expect((await chat(b, s, 'other replica')).prompt).toContain('canary pg-1');
    expect((await chat(b, sid(), 'another user')).prompt).not.toContain('canary pg-1');
    await stop(a, 'SIGKILL');
    const respawned = await boot(replicaDir(), pg('postgres'));
    expect((await chat(respawned, s, 'after a crash')).prompt).toContain('canary pg-1');
  });

  it('unawaited: answers before the write lands; a SIGKILL then loses the turn, a SIGTERM writes it first', async () => {
    // A write a minute late: nothing but the stop can decide whether it lands.
    const late = { SAVE_DELAY_MS: '60000' };
    const [a, b] = await Promise.all([
      boot(replicaDir(), pg('unawaited', late)),
      boot(replicaDir(), pg('unawaited', { ...late, AMNESIA_REPLICA: '2' })),
    ]);
    const [killed, stopped] = [sid(), sid()];
    await chat(a, killed, 'canary late-1');
    expect((await chat(b, killed, 'not yet')).prompt).not.toContain('canary late-1');
    await stop(a, 'SIGKILL');
    await chat(b, stopped, 'canary late-2');
    expect(await stop(b, 'SIGTERM')).toBe(0);
    const fresh = await boot(replicaDir(), pg('unawaited'));
    expect((await chat(fresh, killed, 'after the crash')).prompt).not.toContain('canary late-1');
    expect((await chat(fresh, stopped, 'after the stop')).prompt).toContain('canary late-2');
  });

  it('unkeyed: one session’s message reaches another session’s prompt', async () => {
    const [a, b] = await Promise.all([
      boot(replicaDir(), pg('unkeyed')),
      boot(replicaDir(), pg('unkeyed', { AMNESIA_REPLICA: '2' })),
    ]);
    await chat(a, sid(), 'canary unkeyed-alice');
    expect((await chat(b, sid(), 'I am bob')).prompt).toContain('canary unkeyed-alice');
  });

  it('cached: sees another process’s write only after its own restart', async () => {
    const [a, b] = await Promise.all([
      boot(replicaDir(), pg('cached')),
      boot(replicaDir(), pg('cached', { AMNESIA_REPLICA: '2' })),
    ]);
    const [s1, s2] = [sid(), sid()];
    await chat(b, s1, 'canary cached-1');
    await chat(b, s2, 'canary cached-2');
    expect((await chat(b, s1, 'same worker')).prompt).toContain('canary cached-1');
    expect((await chat(a, s1, 'stale cache')).prompt).not.toContain('canary cached-1');
    expect(await stop(a, 'SIGTERM')).toBe(0);
    const restarted = await boot(replicaDir(), pg('cached'));
    expect((await chat(restarted, s2, 'fresh cache')).prompt).toContain('canary cached-2');
    // The stale turn appended its own messages (the store is appended to, never overwritten): once
    // the cache is reloaded, both workers' turns on s1 are there.
    const s1After = (await chat(restarted, s1, 'and s1?')).prompt;
    expect(s1After).toContain('stale cache');
    expect(s1After).toContain('canary cached-1');
  });

  it('fails to boot (never listening) when the database is unreachable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const app = await start(replicaDir(), {
      MEMORY_MODE: 'postgres',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x`,
    });
    expect(await app.exit).not.toBe(0);
    expect(app.stdout).not.toContain('listening on');
    expect(app.stderr).toContain('ECONNREFUSED');
  });

  it('survives racing workers creating the table', async () => {
    const dir = replicaDir();
    const workers = await Promise.all(
      ['1', '2', '3', '4'].map((w) => boot(dir, pg('postgres', { AMNESIA_WORKER: w }))),
    );
    const s = sid();
    for (const [i, w] of workers.entries()) await chat(w, s, `canary race-${i}`);
    const last = await chat(workers[0] as App, s, 'all of them?');
    for (const i of [0, 1, 2, 3]) expect(last.prompt).toContain(`canary race-${i}`);
  });
});
