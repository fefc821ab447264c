// Boots every LlamaIndex.TS app under test as real child processes (2 replicas: r1 with two
// workers, r2 with one; each replica its own working directory), against amnesia's mock LLM and
// an embedded PostgreSQL (PGlite over TCP) or a local redis-server, and climbs a probe ladder:
// for each rung a fresh session says a canary fact on r1w1, then two filler turns there, then —
// after the rung's disruption — asks for it on the rung's worker. The LLM request of that last
// turn says whether the fact was remembered. Each app's signature must match its row of the failure table (docs/guide/failure-table.md).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type MockLlm, type RecordedLlmRequest, startMockLlm } from '../../../src/llm/index.ts';
import { createMatcher } from '../../../src/scenario/matcher.ts';
import { PortAllocator } from '../../../src/topology/free-port.ts';
import { ProcessRegistry } from '../../../src/topology/process-registry.ts';
import { type RunningProcess, startOnFreePort, startProcess } from '../../../src/topology/worker-process.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../..');
const pgliteServer = join(repo, 'node_modules/@electric-sql/pglite-socket/dist/scripts/server.js');
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

const RUNGS = ['SW', 'OW', 'OR', 'RS', 'CR', 'RD'] as const;
type Rung = (typeof RUNGS)[number];
type Backend = 'postgres' | 'redis' | 'none';
type AppCase = {
  file: string;
  backend: Backend;
  /** The rungs on which the fact must still reach the LLM; all others must have lost it. */
  kept: Rung[];
  /** Whether one session's facts show up in other sessions' prompts. */
  leaks?: boolean;
  session?: 'body' | 'cookie';
  stream?: boolean;
};

const ALL: Rung[] = [...RUNGS];
const APPS: AppCase[] = [
  { file: 'request-scoped.ts', backend: 'none', kept: [] },
  { file: 'copied-history.ts', backend: 'none', kept: [] },
  { file: 'global-map.ts', backend: 'none', kept: ['SW'] },
  { file: 'vector-index.ts', backend: 'postgres', kept: ['SW'] },
  { file: 'local-disk.ts', backend: 'none', kept: ['SW', 'OW', 'RS', 'CR'] },
  // The trim shows only in long conversations (the matrix's long-recall): these short rungs fit.
  { file: 'trimmed-history.ts', backend: 'postgres', kept: ALL },
  { file: 'trimmed-local-disk.ts', backend: 'none', kept: ['SW', 'OW', 'RS', 'CR'] },
  { file: 'save-on-shutdown.ts', backend: 'none', kept: ['SW', 'RS'] },
  { file: 'stale-cache.ts', backend: 'postgres', kept: ['SW', 'RS', 'CR', 'RD'] },
  { file: 'unkeyed.ts', backend: 'postgres', kept: ALL, leaks: true },
  { file: 'postgres.ts', backend: 'postgres', kept: ALL },
  { file: 'postgres-cookie.ts', backend: 'postgres', kept: ALL, session: 'cookie' },
  { file: 'postgres-stream.ts', backend: 'postgres', kept: ALL, stream: true },
  { file: 'redis.ts', backend: 'redis', kept: ALL },
  { file: 'exit-on-sigterm.ts', backend: 'postgres', kept: ALL },
  { file: 'postgres-append.ts', backend: 'postgres', kept: ALL },
  { file: 'redis-append.ts', backend: 'redis', kept: ALL },
];

// ---------------------------------------------------------------- processes

// The engine's own process handling: one module spawns, waits for readiness (racing the exit),
// drains the output and stops process groups, for amnesia and for this test alike.
const registry = new ProcessRegistry();
const logDir = mkdtempSync(join(tmpdir(), 'amnesia-li-logs-'));
const bootTimes = new Map<string, number[]>();
let started = 0;

type Proc = Pick<RunningProcess, 'stop' | 'kill' | 'port'> & {
  /** Everything it printed so far (stderr lines marked `[stderr] `). */
  output: () => string;
  /** Resolve once a line matching `pattern` was printed (the HTTP answer can arrive before the log line). */
  printed: (pattern: RegExp) => Promise<void>;
};

/** Spawns `command` in its own process group and resolves once a line of its output matches `ready`. */
async function start(
  command: string,
  args: string[],
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    ready: RegExp;
    label: string;
    timeoutMs?: number;
    /** Told to listen on port 0: the line that names the port it got (no pick-then-bind race). */
    portFrom?: RegExp;
    port?: number;
  },
): Promise<Proc & { readyMs: number }> {
  const t0 = performance.now();
  const proc = await startProcess({
    name: options.label,
    argv: [command, ...args],
    cwd: options.cwd,
    env: options.env,
    port: options.port ?? 0,
    ...(options.portFrom ? { portFromOutput: options.portFrom } : {}),
    logFile: join(logDir, `${++started}.log`),
    ready: { log: createMatcher(String(options.ready), { file: 'apps.test.ts', line: 0, column: 0 }) },
    bootTimeoutMs: options.timeoutMs ?? 20_000,
    bootTimeoutKey: 'timeoutMs',
    registry,
  });
  const readyMs = performance.now() - t0;
  const log = proc.output;
  return {
    readyMs,
    port: proc.port,
    stop: (graceMs) => proc.stop(graceMs),
    kill: () => proc.kill(),
    output: () => log.tail(200).join('\n'),
    printed: (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        if (pattern.test(log.tail(200).join('\n'))) return resolve();
        const off = log.onLine(() => {
          if (!pattern.test(log.tail(200).join('\n'))) return;
          off();
          resolve();
        });
      }),
  };
}

// ---------------------------------------------------------------- shared services

let llm: MockLlm;
const services: { DATABASE_URL?: string; REDIS_URL?: string } = {};
const serviceDirs: string[] = [];

beforeAll(async () => {
  llm = await startMockLlm();
  const pglite = await start(process.execPath, [pgliteServer, '-p', '0', '-h', '127.0.0.1', '-m', '16'], {
    cwd: repo,
    env: { PATH: process.env.PATH },
    ready: /PGLiteSocketServer listening/,
    portFrom: /PGLiteSocketServer listening on .*"port":(\d+)/,
    label: 'pglite-server',
    timeoutMs: 30_000,
  });
  services.DATABASE_URL = `postgres://postgres@127.0.0.1:${pglite.port}/postgres`;
  if (hasRedis) {
    const dir = mkdtempSync(join(tmpdir(), 'amnesia-li-redis-'));
    serviceDirs.push(dir);
    // redis-server cannot take port 0: a port taken between pick and bind starts it again elsewhere.
    const { proc: redis } = await startOnFreePort(new PortAllocator(), (port) => ({
      name: 'redis-server',
      argv: [
        'redis-server',
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      cwd: dir,
      env: { PATH: process.env.PATH },
      port,
      logFile: join(logDir, 'redis.log'),
      ready: {
        log: createMatcher('Ready to accept connections', { file: 'apps.test.ts', line: 0, column: 0 }),
      },
      bootTimeoutMs: 20_000,
      bootTimeoutKey: 'timeoutMs',
      registry,
    }));
    services.REDIS_URL = `redis://127.0.0.1:${redis.port}`;
  }
}, 60_000);

afterAll(async () => {
  await registry.close();
  for (const dir of [...serviceDirs, logDir]) rmSync(dir, { recursive: true, force: true });
  await llm?.stop();
  const lines = [...bootTimes].map(([file, times]) => {
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    return `  ${file.padEnd(20)} median ${median.toFixed(0).padStart(5)} ms over ${times.length} boots`;
  });
  if (lines.length > 0) console.log(`spawn → "listening on" per app:\n${lines.join('\n')}`);
});

// ---------------------------------------------------------------- topology

type WorkerId = `r${number}w${number}`;

class Topology implements AsyncDisposable {
  readonly #dirs = new Map<number, string>();
  readonly #workers = new Map<WorkerId, Proc>();
  readonly app: AppCase;
  readonly scope: string;

  constructor(app: AppCase) {
    this.app = app;
    this.scope = app.file.replace(/\.ts$/, '');
  }

  #freshDir(replica: number) {
    const old = this.#dirs.get(replica);
    if (old) rmSync(old, { recursive: true, force: true });
    const dir = mkdtempSync(join(tmpdir(), `amnesia-li-${this.scope}-r${replica}-`));
    this.#dirs.set(replica, dir);
    return dir;
  }

  async start(id: WorkerId) {
    const [, replica, worker] = /^r(\d+)w(\d+)$/.exec(id)?.map(Number) ?? [];
    if (replica === undefined || worker === undefined) throw new Error(`bad worker id ${id}`);
    const cwd = this.#dirs.get(replica) ?? this.#freshDir(replica);
    const proc = await start(process.execPath, [join(here, this.app.file)], {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: cwd,
        TMPDIR: cwd,
        PORT: '0',
        OPENAI_BASE_URL: llm.baseUrl(this.scope, id),
        OPENAI_API_KEY: 'amnesia-test',
        AMNESIA_REPLICA: String(replica),
        AMNESIA_WORKER: String(worker),
        AMNESIA_DATA_DIR: cwd,
        ...services,
      },
      ready: /listening on \d+/,
      portFrom: /listening on (\d+)/,
      label: `${this.app.file} ${id}`,
    });
    const times = bootTimes.get(this.app.file) ?? [];
    times.push(proc.readyMs);
    bootTimes.set(this.app.file, times);
    this.#workers.set(id, proc);
  }

  worker(id: WorkerId) {
    const worker = this.#workers.get(id);
    if (!worker) throw new Error(`${id} is not running`);
    return worker;
  }

  /** SIGTERM: the app must exit promptly (and cleanly) on its own. */
  async stop(id: WorkerId) {
    const worker = this.worker(id);
    const { exit } = await worker.stop(5_000);
    this.#workers.delete(id);
    expect(exit, `${id} on SIGTERM\n${worker.output()}`).toEqual({ code: 0, signal: null });
  }

  async restart(id: WorkerId) {
    await this.stop(id);
    await this.start(id);
  }

  async crash(id: WorkerId) {
    const worker = this.worker(id);
    await worker.kill();
    this.#workers.delete(id);
    await this.start(id);
  }

  /** Every worker of the replica stopped, a fresh working directory, the same workers started again. */
  async redeploy(replica: number) {
    const ids = [...this.#workers.keys()].filter((id) => id.startsWith(`r${replica}w`));
    await Promise.all(ids.map((id) => this.stop(id)));
    this.#freshDir(replica);
    await Promise.all(ids.map((id) => this.start(id)));
  }

  logs() {
    return [...this.#workers].map(([id, w]) => `--- ${id}\n${w.output()}`).join('\n');
  }

  async [Symbol.asyncDispose]() {
    await Promise.all([...this.#workers.values()].map((worker) => worker.kill()));
    for (const dir of this.#dirs.values()) rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- chat client

let turnSeq = 0;

type TurnResult = { status: number; answer: string; error?: string; requests: RecordedLlmRequest[] };

/** One chat session: its own cookie jar, its own turn labels. */
class Session {
  readonly #priorTurns: { label: string; text: string }[] = [];
  #cookie: string | undefined;
  readonly name: string;
  readonly topology: Topology;

  constructor(topology: Topology, name: string) {
    this.topology = topology;
    this.name = name;
  }

  async say(id: WorkerId, message: string): Promise<TurnResult> {
    const { app, scope } = this.topology;
    const label = `${this.name}#${this.#priorTurns.length + 1}`;
    llm.beginTurn(scope, id, {
      turnId: `t${++turnSeq}`,
      session: this.name,
      label,
      priorTurns: this.#priorTurns,
    });
    let result: Omit<TurnResult, 'requests'>;
    try {
      result = await this.#post(id, message, app);
    } catch (error) {
      llm.endTurn(scope, id);
      throw new Error(`turn ${label} on ${id} failed: ${error}\n${this.topology.logs()}`, { cause: error });
    }
    const requests = llm.endTurn(scope, id);
    this.#priorTurns.push({ label, text: message });
    return { ...result, requests };
  }

  async #post(id: WorkerId, message: string, app: AppCase) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.#cookie) headers.cookie = this.#cookie;
    const body = app.session === 'cookie' ? { message } : { session_id: this.name, message };
    const response = await fetch(`http://127.0.0.1:${this.topology.worker(id).port}/chat`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    const sid = /(?:^|[;,]\s*)(sid=[^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
    if (sid) this.#cookie = sid;
    const text = await response.text();
    if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      const json = JSON.parse(text) as { answer?: string; error?: string };
      return { status: response.status, answer: json.answer ?? '', error: json.error };
    }
    let answer = '';
    let done = false;
    for (const event of text.split('\n\n')) {
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data === '[DONE]') done = true;
      else if (data) {
        const json = JSON.parse(data) as { delta?: string; error?: string };
        if (json.error) return { status: 500, answer, error: json.error };
        answer += json.delta ?? '';
      }
    }
    expect(done, `SSE reply without [DONE]: ${text}`).toBe(true);
    return { status: response.status, answer };
  }
}

/** Everything the app sent the LLM for a turn's chat completion(s), as one string. */
function prompt(result: TurnResult) {
  return result.requests
    .filter((request) => request.kind === 'chat')
    .flatMap((request) => request.messages.map((m) => `${m.role}: ${m.content}`))
    .join('\n');
}

function expectOk(result: TurnResult, topology: Topology) {
  expect(result.status, `${result.error}\n${topology.logs()}`).toBe(200);
  const chats = result.requests.filter((request) => request.kind === 'chat');
  expect(chats.length, 'chat completions sent for the turn').toBe(1);
  // The app's answer is the mock's reply, whole (JSON or SSE assembly).
  expect(result.answer).toBe(chats[0]?.reply ?? '');
}

// ---------------------------------------------------------------- the ladder

const FILLERS = ['Tell me a joke about penguins.', 'Describe the weather in Lisbon today.'];

type Signature = { kept: Rung[]; leaked: Rung[] };

async function climb(topology: Topology): Promise<Signature> {
  const canaries: string[] = [];
  const signature: Signature = { kept: [], leaked: [] };
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  for (const rung of RUNGS) {
    const session = new Session(topology, `${topology.scope}-${rung}-${run}`);
    const canary = `zq${rung.toLowerCase()}${run}`;
    canaries.push(canary);
    expectOk(await session.say('r1w1', `My secret code word is ${canary}.`), topology);
    for (const filler of FILLERS) expectOk(await session.say('r1w1', filler), topology);
    let target: WorkerId = 'r1w1';
    if (rung === 'OW') target = 'r1w2';
    else if (rung === 'OR') target = 'r2w1';
    else if (rung === 'RS') await topology.restart('r1w1');
    else if (rung === 'CR') await topology.crash('r1w1');
    else if (rung === 'RD') await topology.redeploy(1);
    const ask = await session.say(target, 'What is my secret code word?');
    expectOk(ask, topology);
    const seen = prompt(ask);
    if (seen.includes(canary)) signature.kept.push(rung);
    if (canaries.some((other) => other !== canary && seen.includes(other))) signature.leaked.push(rung);
  }
  return signature;
}

async function boot(app: AppCase) {
  const topology = new Topology(app);
  try {
    await Promise.all((['r1w1', 'r1w2', 'r2w1'] as const).map((id) => topology.start(id)));
  } catch (error) {
    await topology[Symbol.asyncDispose]();
    throw error;
  }
  return topology;
}

describe('LlamaIndex.TS apps under test: probe ladder signatures', () => {
  for (const app of APPS) {
    const skip = app.backend === 'redis' && !hasRedis;
    const name = skip
      ? `${app.file}: SKIPPED, redis-server is not installed (apt-get install -y redis-server)`
      : `${app.file}: kept on ${app.kept.join(' ') || 'no rung'}${app.leaks ? ', leaks between sessions' : ''}`;
    test.skipIf(skip)(
      name,
      async () => {
        await using topology = await boot(app);
        const signature = await climb(topology);
        expect(signature.kept).toEqual(app.kept);
        // A leak shows on every rung after the first (there is an earlier session to leak from).
        expect(signature.leaked).toEqual(app.leaks ? RUNGS.slice(1) : []);
      },
      120_000,
    );
  }
});

describe('LlamaIndex.TS apps under test: details', () => {
  test('wrong-type.ts answers 500 with the TypeError, logs its stack, never calls the LLM', async () => {
    await using topology = new Topology({ file: 'wrong-type.ts', backend: 'none', kept: [] });
    await topology.start('r1w1');
    const session = new Session(topology, `wrong-type-${Date.now()}`);
    const result = await session.say('r1w1', 'My name is Ada.');
    expect(result.status).toBe(500);
    expect(result.error).toBe('chatHistory.add is not a function');
    expect(result.requests).toEqual([]);
    // The 500 can arrive before the app's log line: wait for the line itself.
    await topology
      .worker('r1w1')
      .printed(
        /\[stderr\] TypeError: chatHistory\.add is not a function\n\[stderr\]\s+at SimpleChatEngine\.chat/,
      );
  }, 30_000);

  test('copied-history.ts: every prompt is [system, this message] — the array never grows', async () => {
    await using topology = new Topology({ file: 'copied-history.ts', backend: 'none', kept: [] });
    await topology.start('r1w1');
    const session = new Session(topology, `copied-${Date.now()}`);
    expectOk(await session.say('r1w1', 'My name is Ada.'), topology);
    const second = await session.say('r1w1', 'What is my name?');
    expectOk(second, topology);
    expect(second.requests[0]?.messages.map((m) => m.role)).toEqual(['system', 'user']);
  }, 30_000);

  test('postgres-stream.ts stores the streamed assistant turn', async () => {
    await using topology = new Topology({
      file: 'postgres-stream.ts',
      backend: 'postgres',
      kept: [],
      stream: true,
    });
    await Promise.all([topology.start('r1w1'), topology.start('r1w2')]);
    const session = new Session(topology, `stream-${Date.now()}`);
    const first = await session.say('r1w1', 'My name is Ada.');
    expectOk(first, topology);
    expect(first.requests[0]?.stream).toBe(true);
    const second = await session.say('r1w2', 'What is my name?');
    expectOk(second, topology);
    expect(second.requests[0]?.messages).toEqual([
      { role: 'system', content: expect.any(String) },
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: first.answer },
      { role: 'user', content: 'What is my name?' },
    ]);
  }, 30_000);

  test('postgres-cookie.ts mints a sid cookie and keys memory by it', async () => {
    await using topology = new Topology({
      file: 'postgres-cookie.ts',
      backend: 'postgres',
      kept: [],
      session: 'cookie',
    });
    await Promise.all([topology.start('r1w1'), topology.start('r2w1')]);
    const ada = new Session(topology, `cookie-ada-${Date.now()}`);
    const bob = new Session(topology, `cookie-bob-${Date.now()}`);
    expectOk(await ada.say('r1w1', 'My name is Ada.'), topology);
    expectOk(await bob.say('r1w1', 'My name is Bob.'), topology);
    const adaAsks = await ada.say('r2w1', 'What is my name?');
    expectOk(adaAsks, topology);
    expect(prompt(adaAsks)).toContain('Ada');
    expect(prompt(adaAsks)).not.toContain('Bob');
  }, 30_000);

  test('vector-index.ts: the old fact comes back from the index on the same worker, as context', async () => {
    await using topology = new Topology({ file: 'vector-index.ts', backend: 'postgres', kept: [] });
    await Promise.all([topology.start('r1w1'), topology.start('r1w2')]);
    const session = new Session(topology, `vector-${Date.now()}`);
    expectOk(await session.say('r1w1', 'My secret code word is walrus.'), topology);
    for (const filler of FILLERS) expectOk(await session.say('r1w1', filler), topology);
    const same = await session.say('r1w1', 'What is my secret code word?');
    expectOk(same, topology);
    const messages = same.requests.find((request) => request.kind === 'chat')?.messages ?? [];
    // The window (last 4 messages) no longer holds the fact; the context system message (last) does.
    expect(messages.filter((m) => m.role !== 'system').some((m) => m.content.includes('walrus'))).toBe(false);
    expect(messages.at(-1)?.role).toBe('system');
    expect(messages.at(-1)?.content).toContain('walrus');
    expect(same.requests.some((request) => request.kind === 'embeddings')).toBe(true);
    // The plain two-turn probe cannot see this app: a fact still inside the window reaches any worker.
    const fresh = new Session(topology, `vector-fresh-${Date.now()}`);
    expectOk(await fresh.say('r1w1', 'My secret code word is narwhal.'), topology);
    const other = await fresh.say('r1w2', 'What is my secret code word?');
    expectOk(other, topology);
    expect(prompt(other)).toContain('narwhal');
  }, 30_000);

  test('save-on-shutdown.ts: what a worker saved survives however its replica’s workers stop', async () => {
    await using topology = new Topology({ file: 'save-on-shutdown.ts', backend: 'none', kept: [] });
    await Promise.all([topology.start('r1w1'), topology.start('r1w2')]);
    const ada = new Session(topology, `sos-ada-${Date.now()}`);
    expectOk(await ada.say('r1w1', 'My name is Ada.'), topology);
    await topology.stop('r1w1'); // saves {ada}
    await topology.stop('r1w2'); // saves {} in its own file
    await topology.start('r1w2');
    const asks = await ada.say('r1w2', 'What is my name?');
    expectOk(asks, topology);
    expect(prompt(asks)).toContain('Ada');
  }, 30_000);
});
