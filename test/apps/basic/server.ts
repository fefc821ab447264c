// A small chat app under test (see ../CONTRACT.md). MEMORY_MODE picks its memory design: each mode
// is one classic production mistake from README's failure table, or the fix (`postgres`).
// Plain node:http and fetch, only node:* imports (it is booted hundreds of times per run); `pg` is
// loaded lazily by the modes that use PostgreSQL.
import { spawn } from 'node:child_process';
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

type Message = { role: 'system' | 'user' | 'assistant'; content: string };
type Memory = {
  load(session: string): Promise<Message[]>;
  /** `history` is the whole conversation after the turn; `added` the turn's own two messages. */
  save(session: string, history: Message[], added: Message[]): Promise<void>;
  onShutdown?(): void | Promise<void>;
};

const SYSTEM_PROMPT = 'You are a helpful assistant.';

const modes: Record<string, () => Memory | Promise<Memory>> = {
  // Row 1: the history is created inside the request handler, so every turn starts empty.
  request: () => ({ load: async () => [], save: async () => {} }),

  // Row 2: a process-global map; other workers, restarts and crashes never see it.
  global: () => {
    const sessions = new Map<string, Message[]>();
    return { load: async (s) => sessions.get(s) ?? [], save: async (s, h) => void sessions.set(s, h) };
  },

  // Row 3: one JSON file per session in ./storage, on the replica's local disk (read every turn).
  // Written whole but atomically (a temporary file renamed over it): two workers of a replica that
  // save at once lose one update (row 9), never leave a half-written file that fails the next read
  // (two truncate-then-write saves interleaved did, 1 in 3 CI runs, and the turn never reached the LLM).
  disk: () => {
    const file = (s: string) => `storage/${encodeURIComponent(s)}.json`;
    return {
      load: async (s) => (existsSync(file(s)) ? JSON.parse(readFileSync(file(s), 'utf8')) : []),
      save: async (s, h) => {
        mkdirSync('storage', { recursive: true });
        const temporary = `${file(s)}.${process.pid}.tmp`;
        writeFileSync(temporary, JSON.stringify(h));
        renameSync(temporary, file(s));
      },
    };
  },

  // Row 6a: a RAM map loaded from ./storage/memory.json at boot and written back on SIGTERM only.
  shutdown: () => {
    const file = 'storage/memory.json';
    const saved = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
    const sessions = new Map<string, Message[]>(Object.entries(saved));
    return {
      load: async (s) => sessions.get(s) ?? [],
      save: async (s, h) => void sessions.set(s, h),
      // The naive production bug, kept on purpose: this process's map overwrites the file (no merge),
      // so when several workers of a replica stop, the last one to write wins.
      onShutdown: () => {
        mkdirSync('storage', { recursive: true });
        writeFileSync(file, JSON.stringify(Object.fromEntries(sessions)));
      },
    };
  },

  // Row 6b: the shared store is read ONCE at boot into a per-process cache, written through, never re-read.
  cached: async () => {
    const store = await openStore();
    const cache = new Map(await store.all());
    return {
      load: async (s) => cache.get(s) ?? [],
      save: async (s, h, added) => {
        cache.set(s, h);
        await store.save(s, h, added);
      },
    };
  },

  // Row 7: the shared store, keyed by a constant instead of the session: every user shares one history.
  unkeyed: async () => {
    const store = await openStore();
    return { load: () => store.load('global'), save: (_s, h, added) => store.save('global', h, added) };
  },

  // Row 11: the history lives in a signed cookie (see cookieTurn); this memory is never used.
  cookie: () => ({ load: async () => [], save: async () => {} }),

  // ✓: the shared store keyed by session id, read on every turn; each turn appends its messages.
  postgres: () => openStore(),

  // Row 12: the shared store, appended to, but the save is not awaited: the answer goes out first
  // and the write runs in the background SAVE_DELAY_MS later (default 100, as a slow onEnd
  // callback would), so a SIGKILL right after the answer loses the turn. A graceful stop writes
  // what is pending before exiting, as a Node process whose pool drains would.
  unawaited: async () => {
    const store = await openStore();
    const pending = new Map<NodeJS.Timeout, () => Promise<void>>();
    const delayMs = Number(process.env.SAVE_DELAY_MS ?? 100);
    return {
      load: store.load,
      save: async (s, h, added) => {
        const write = () => store.save(s, h, added).catch((err: Error) => console.error(err.stack ?? err));
        const timer = setTimeout(() => {
          pending.delete(timer);
          void write();
        }, delayMs);
        pending.set(timer, write);
      },
      onShutdown: async () => {
        const writes = [...pending].map(([timer, write]) => {
          clearTimeout(timer);
          return write();
        });
        pending.clear();
        await Promise.all(writes);
      },
    };
  },

  // Row 9: the shared store, but each turn writes the whole history it read back: of two turns of a
  // session answered at once, the one that writes last erases the other.
  overwrite: async () => {
    const store = await openStore();
    return { load: store.load, save: (s, h) => store.put(s, h) };
  },

  // Row 7 in RAM: one history list per process, whoever talks (every user's messages in one list).
  shared: () => {
    let history: Message[] = [];
    return {
      load: async () => history,
      save: async (_s, h) => {
        history = h;
      },
    };
  },
};

// The PostgreSQL store: one connection per process, connected at boot (so readiness means the DB is
// reachable) and reconnected on the next query after it drops. Simple-protocol queries only (values
// escaped with pg.escapeLiteral, no $1 parameters), the safest subset for PGlite over TCP, which runs
// every client connection on its one backend.
async function openStore() {
  const { default: pg } = await import('pg');
  let client: Promise<import('pg').Client> | undefined;
  const connect = () => {
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
    const connected = c.connect().then(() => c);
    const forget = () => {
      if (client === connected) client = undefined;
    };
    c.on('error', (err) => {
      console.error(`postgres: ${err.message} (reconnecting on the next query)`);
      forget();
    });
    c.on('end', forget);
    connected.catch(forget);
    return connected;
  };
  const query = async (sql: string) => {
    client ??= connect();
    return (await (await client).query(sql)).rows;
  };
  const lit = pg.escapeLiteral;
  try {
    await query(
      'CREATE TABLE IF NOT EXISTS amnesia_basic_memory (session_id text PRIMARY KEY, messages jsonb NOT NULL)',
    );
  } catch (err) {
    // Workers booting together race on CREATE TABLE IF NOT EXISTS: the loser's error is harmless.
    if (!['42P07', '23505', '42710'].includes((err as { code?: string }).code ?? '')) throw err;
  }
  return {
    load: async (s: string): Promise<Message[]> =>
      (await query(`SELECT messages FROM amnesia_basic_memory WHERE session_id = ${lit(s)}`))[0]?.messages ??
      [],
    // One statement appends the turn's messages to what the store holds now, not to what was read.
    save: async (s: string, _h: Message[], added: Message[]) => {
      await query(
        `INSERT INTO amnesia_basic_memory (session_id, messages) VALUES (${lit(s)}, ${lit(JSON.stringify(added))})
         ON CONFLICT (session_id) DO UPDATE SET messages = amnesia_basic_memory.messages || EXCLUDED.messages`,
      );
    },
    put: async (s: string, h: Message[]) => {
      await query(
        `INSERT INTO amnesia_basic_memory (session_id, messages) VALUES (${lit(s)}, ${lit(JSON.stringify(h))})
         ON CONFLICT (session_id) DO UPDATE SET messages = EXCLUDED.messages`,
      );
    },
    all: async () =>
      (await query('SELECT session_id, messages FROM amnesia_basic_memory')).map(
        (row): [string, Message[]] => [row.session_id, row.messages],
      ),
  };
}

async function complete(messages: Message[]): Promise<string> {
  const base = (process.env.OPENAI_BASE_URL ?? '').replace(/\/+$/, '');
  if (!base) throw new Error('OPENAI_BASE_URL is not set');
  const res = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${process.env.OPENAI_API_KEY ?? ''}`,
    },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`LLM answered ${res.status}: ${text.slice(0, 300)}`);
  const content = JSON.parse(text).choices?.[0]?.message?.content;
  if (typeof content !== 'string')
    throw new Error(`LLM reply has no choices[0].message.content: ${text.slice(0, 300)}`);
  return content;
}

async function turn(memory: Memory, session: string, message: string): Promise<string> {
  const history = await memory.load(session);
  // TYPE_ERROR=1: the wrong-type mistake (DESIGN row 5), logged with its stack; the client gets a generic 500.
  if (process.env.TYPE_ERROR === '1') throw new TypeError('chatHistory.add is not a function');
  // HISTORY_WINDOW=N: a hand-written window, only the last N messages reach the LLM (DESIGN row 4).
  const window = Number(process.env.HISTORY_WINDOW ?? 0);
  const answer = await complete([
    { role: 'system', content: SYSTEM_PROMPT },
    ...(window > 0 ? history.slice(-window) : history),
    { role: 'user', content: message },
  ]);
  const added: Message[] = [
    { role: 'user', content: message },
    { role: 'assistant', content: answer },
  ];
  history.push(...added);
  await memory.save(session, history, added);
  // SLOW_CHAT_MS delays the answer after the LLM call, so the call still lands inside the turn.
  const slow = Number(process.env.SLOW_CHAT_MS ?? 0);
  if (slow > 0) await delay(slow);
  return answer;
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function handle(memory: Memory, req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') return void res.writeHead(200).end('ok');
  if (req.method === 'GET' && path === '/whoami') {
    const { AMNESIA_REPLICA: replica, AMNESIA_WORKER: worker } = process.env;
    return json(res, 200, {
      pid: process.pid,
      replica,
      worker,
      cwd: process.cwd(),
      mode: process.env.MEMORY_MODE,
    });
  }
  if (req.method !== 'POST' || (path !== '/chat' && path !== '/chat/stream')) {
    return json(res, 404, { error: `no route for ${req.method} ${path}` });
  }
  let body: { session_id?: unknown; message?: unknown };
  try {
    body = JSON.parse(Buffer.concat(await req.toArray()).toString() || '{}');
  } catch {
    return json(res, 400, { error: 'the body must be JSON {"session_id": "...", "message": "..."}' });
  }
  if (typeof body.message !== 'string') return json(res, 400, { error: '"message" must be a string' });
  // FAIL_ON=text: a message containing it is answered 500 (a turn the app fails, the process lives on).
  if (process.env.FAIL_ON && body.message.includes(process.env.FAIL_ON))
    return json(res, 500, { error: `FAIL_ON=${process.env.FAIL_ON}: failing this turn on purpose` });
  if (mode === 'cookie') return cookieTurn(req, res, body.message);
  if (process.env.EXIT_ON && body.message.includes(process.env.EXIT_ON)) {
    console.error(`EXIT_ON=${process.env.EXIT_ON}: exiting mid-turn on purpose`);
    process.exit(3);
  }
  // The session: from the body, else the `sid` cookie, else a new one sent back as a cookie.
  let session = body.session_id
    ? String(body.session_id)
    : /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  if (!session) {
    session = randomUUID();
    res.setHeader('set-cookie', `sid=${session}; Path=/; HttpOnly`);
  }
  const answer = await turn(memory, session, body.message);
  if (path === '/chat') return json(res, 200, { answer });
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const size = Math.max(1, Math.ceil(answer.length / 3));
  for (let i = 0; i < answer.length; i += size) {
    res.write(`data: ${JSON.stringify({ delta: answer.slice(i, i + size) })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

// Row 11: the whole history in a signed cookie (`conv=<base64url JSON>.<hmac>`), with a secret made
// at boot when SESSION_SECRET is unset: every other process rejects the cookie (a bad signature),
// starts the conversation over and answers with a fresh cookie.
const COOKIE_SECRET = process.env.SESSION_SECRET || randomBytes(32).toString('hex');
const sign = (data: string) => createHmac('sha256', COOKIE_SECRET).update(data).digest('base64url');

async function cookieTurn(req: IncomingMessage, res: ServerResponse, message: string) {
  const raw = /(?:^|;\s*)conv=([^;]+)/.exec(req.headers.cookie ?? '')?.[1] ?? '';
  const [data = '', mac = ''] = raw.split('.');
  const valid = data !== '' && mac.length > 0 && timingSafeEqualText(sign(data), mac);
  const history: Message[] = valid ? JSON.parse(Buffer.from(data, 'base64url').toString()) : [];
  const answer = await complete([
    { role: 'system', content: SYSTEM_PROMPT },
    ...history,
    { role: 'user', content: message },
  ]);
  history.push({ role: 'user', content: message }, { role: 'assistant', content: answer });
  const next = Buffer.from(JSON.stringify(history)).toString('base64url');
  res.setHeader('set-cookie', `conv=${next}.${sign(next)}; Path=/; HttpOnly`);
  json(res, 200, { answer });
}

function timingSafeEqualText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// Boot.
const mode = process.env.MEMORY_MODE ?? '';
const makeMemory = modes[mode];
if (!makeMemory) {
  console.error(`MEMORY_MODE must be one of: ${Object.keys(modes).join(', ')} (got ${JSON.stringify(mode)})`);
  process.exit(2);
}
// FAIL_BOOT, HANG_BOOT: `1` for every worker, or a worker id (`r1w2`) for that one only.
const here = `r${process.env.AMNESIA_REPLICA}w${process.env.AMNESIA_WORKER}`;
const onThisWorker = (v: string | undefined) => v === '1' || v === here;
if (onThisWorker(process.env.FAIL_BOOT)) {
  console.error(`FAIL_BOOT=${process.env.FAIL_BOOT}: failing on purpose before listening`);
  process.exit(3);
}
if (process.env.NOISY_BOOT) {
  // Many lines, then the one that explains the failure, then exit: the harness must keep the last.
  for (let i = 1; i <= Number(process.env.NOISY_BOOT); i++) console.error(`noise line ${i}`);
  console.error('LAST LINE');
  process.exit(1);
}
if (process.env.SPAWN_CHILD === '1') {
  // A long-lived grandchild in our process group: proves the harness kills whole groups.
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  console.log(`child pid ${child.pid}`);
}
if (process.env.WRITE_OUTSIDE === '1') {
  // A file in the folder above the app: every replica on one machine shares it; in production none would.
  writeFileSync(`../written-by-${here}.txt`, `${process.pid}\n`);
}
if (process.env.SETSID_DAEMON === '1') {
  // A daemon that leaves our process group and session, ignores the polite signals, and keeps
  // AMNESIA_RUN_ID in its environment: killing the worker's group does not reach it.
  spawn('setsid', ['-f', 'sh', '-c', 'trap "" TERM INT HUP; while :; do sleep 1; done'], {
    stdio: 'ignore',
  }).on('error', (e) => console.error(`SETSID_DAEMON: ${e.message}`));
}
const memory = await makeMemory();
// On SIGTERM the app drains: it stops taking connections and exits once the turns it is answering
// are answered and saved. ON_SIGTERM=exit exits at once instead (row 10: a turn in flight is lost).
let inFlight = 0;
let stopping = false;
const exit = async () => {
  await memory.onShutdown?.();
  process.exit(0);
};
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    stopping = true;
    if (process.env.ON_SIGTERM === 'exit' || inFlight === 0) void exit();
    server?.close();
  });
}
let server: ReturnType<typeof createServer> | undefined;
if (onThisWorker(process.env.HANG_BOOT)) {
  console.error(`HANG_BOOT=${process.env.HANG_BOOT}: never listening`);
  setInterval(() => {}, 1 << 30);
} else {
  const listening = createServer((req, res) => {
    inFlight++;
    handle(memory, req, res)
      .catch((err: Error) => {
        console.error(err.stack ?? err);
        if (res.headersSent) res.destroy();
        else json(res, 500, { error: process.env.TYPE_ERROR === '1' ? 'internal error' : err.message });
      })
      .finally(() => {
        inFlight--;
        if (stopping && inFlight === 0) void exit();
      });
  });
  server = listening;
  listening.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const address = listening.address();
    console.log(`listening on ${typeof address === 'object' && address ? address.port : process.env.PORT}`);
  });
}
