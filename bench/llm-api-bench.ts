/**
 * `npm run bench` (part 4), alone `npm run bench:llm`: what one request costs the mock LLM on each
 * LLM API it serves, against Chat Completions. Every route is given the same 10-message context
 * (a user's five facts and the assistant's five replies, then the question): Chat Completions
 * (JSON and streamed), the Responses API (the context as input items; chained from a stored
 * response by `previous_response_id`, the mock resolving the chain; streamed), a conversation of
 * the Conversations API, and Anthropic Messages (JSON and streamed). The client runs in this same
 * process, CONCURRENCY requests at once; rounds of ROUND requests per route are interleaved, so
 * load on the shared machine falls on every route alike. Quoted: the median over rounds of CPU
 * µs per request (this process: client + server) and of requests per second.
 */
import { Agent, request as httpRequest } from 'node:http';
import os from 'node:os';
import { startMockLlm } from '../src/index.ts';
import { answerDefault } from '../src/llm/handlers.ts';
import { ProviderState } from '../src/llm/provider-state.ts';
import { median } from './stats.ts';

const CONCURRENCY = 32;
const ROUND = Number(process.env.BENCH_LLM_ROUND ?? 2000);
const ROUNDS = Number(process.env.BENCH_LLM_ROUNDS ?? 7);

const context = Array.from({ length: 10 }, (_, i) => ({
  role: i % 2 ? 'assistant' : 'user',
  content:
    i % 2
      ? `ack s0001#${(i + 1) / 2}; saw none`
      : `Please remember this: my project codename is canary-ab12-s0001-t${String(i).padStart(2, '0')}. Thanks.`,
}));
const question = { role: 'user', content: 'What is my project codename?' };

await using llm = await startMockLlm();
const base = llm.baseUrl('bench', 'r1w1');
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(path: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(`${base}${path}`),
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks).toString())
            : reject(new Error(`${path}: ${res.statusCode} ${Buffer.concat(chunks)}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function del(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(`${base}${path}`), { method: 'DELETE', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
}

// The stored response a chained request continues: the same 10 messages, as one earlier response.
const stored = JSON.parse(
  await post('/responses', JSON.stringify({ model: 'gpt-4o-mini', input: context.slice(0, 9) })),
) as { id: string };
const items = [...context, question];

/** A route's request body; a function for bodies that differ per request. */
type Body = string | (() => string);
/** Conversations of 9 items, one per request of a round: each request's context is the same 10 messages. */
const conversations: string[] = [];
const conversationBody = () =>
  JSON.stringify({ model: 'gpt-4o-mini', conversation: conversations.pop(), input: [context[9], question] });

const ROUTES: [string, string, Body][] = [
  ['chat completions', '/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: items })],
  [
    'chat completions, streamed',
    '/chat/completions',
    JSON.stringify({ model: 'gpt-4o-mini', messages: items, stream: true }),
  ],
  [
    'responses, input items',
    '/responses',
    JSON.stringify({ model: 'gpt-4o-mini', input: items, store: false }),
  ],
  [
    'responses, previous_response_id',
    '/responses',
    JSON.stringify({ model: 'gpt-4o-mini', previous_response_id: stored.id, input: [context[9], question] }),
  ],
  [
    'responses, streamed',
    '/responses',
    JSON.stringify({ model: 'gpt-4o-mini', input: items, store: false, stream: true }),
  ],
  ['responses, conversation', '/responses', conversationBody],
  [
    'anthropic messages',
    '/messages',
    JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 256,
      messages: items.filter((m) => m.role !== 'system'),
    }),
  ],
  [
    'anthropic messages, streamed',
    '/messages',
    JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 256, messages: items, stream: true }),
  ],
];

async function round(path: string, body: Body): Promise<{ cpuUs: number; perSecond: number }> {
  if (typeof body === 'function') {
    // Made before the round, outside the measure.
    const made = await Promise.all(
      Array.from({ length: ROUND }, () =>
        post('/conversations', JSON.stringify({ items: context.slice(0, 9) })),
      ),
    );
    conversations.push(...made.map((text) => (JSON.parse(text) as { id: string }).id));
  }
  const made = [...conversations];
  let sent = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < ROUND) {
        sent++;
        await post(path, typeof body === 'function' ? body() : body);
      }
    }),
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // Outside the measure: a round's conversations go, so the next rounds do not carry them.
  await Promise.all(made.map((id) => del(`/conversations/${id}`)));
  return { cpuUs: (cpu.user + cpu.system) / ROUND, perSecond: ROUND / (wall / 1000) };
}

console.log(
  `amnesia mock LLM per API: Node ${process.versions.node}, ${os.availableParallelism()} cores, load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(
      ' ',
    )}; ${ROUNDS} interleaved rounds of ${ROUND} requests per route, ${CONCURRENCY} at once, 10-message context`,
);
const samples = new Map(ROUTES.map(([name]) => [name, [] as { cpuUs: number; perSecond: number }[]]));
for (const [, path, body] of ROUTES) await round(path, body); // warm-up
for (let r = 0; r < ROUNDS; r++)
  for (const [name, path, body] of ROUTES) samples.get(name)?.push(await round(path, body));
const cpuOf = (name: string) => median(samples.get(name)?.map((s) => s.cpuUs) ?? []);
for (const [name, list] of samples) {
  const cpu = median(list.map((s) => s.cpuUs));
  // Like for like: a streamed route against streamed chat completions.
  const against = name.endsWith('streamed') ? 'chat completions, streamed' : 'chat completions';
  console.log(
    `  ${name.padEnd(34)} ${cpu.toFixed(0).padStart(5)} µs CPU/request (${(cpu / cpuOf(against)).toFixed(2)} × ${against}), ${median(list.map((s) => s.perSecond)).toFixed(0)} requests/s`,
  );
}
agent.destroy();

// The handlers alone (no HTTP): what each API's parsing, context resolution and answer building cost.
const state = new ProviderState();
const handlerContext = { embeddingDimensions: 256, state };
const turn = { turnId: 't1', session: 's0001', label: 's0001#6', priorTurns: [] };
const facts = (bodyText: string) => ({ seq: 1, created: 0, turn, bodyText, scope: 'bench' });
const chained = answerDefault(
  'POST',
  new URL(`${base}/responses`),
  facts(JSON.stringify({ model: 'gpt-4o-mini', input: context.slice(0, 9) })),
  handlerContext,
);
const storedId = (JSON.parse(chained.response.body as string) as { id: string }).id;
const chainedStored = state.responses.get(storedId) as NonNullable<ReturnType<typeof state.responses.get>>;
const HANDLER_CALLS = 2000;
const handlerSamples = new Map<string, number[]>();
for (let r = 0; r < ROUNDS; r++)
  for (const [name, path, body] of ROUTES) {
    if (typeof body === 'function') continue; // conversations: measured over HTTP above
    const text = body.replace(stored.id, storedId);
    const url = new URL(`${base}${path}`);
    const t0 = process.cpuUsage();
    for (let i = 0; i < HANDLER_CALLS; i++) answerDefault('POST', url, facts(text), handlerContext);
    const cpu = process.cpuUsage(t0);
    handlerSamples.set(name, [...(handlerSamples.get(name) ?? []), (cpu.user + cpu.system) / HANDLER_CALLS]);
    state.responses.clear(); // a chained bench keeps one stored response, not thousands
    state.responses.set(storedId, chainedStored);
  }
console.log(`the handlers alone (no HTTP), median of ${ROUNDS} rounds of ${HANDLER_CALLS} calls:`);
const handlerChat = median(handlerSamples.get('chat completions') ?? []);
const handlerChatStream = median(handlerSamples.get('chat completions, streamed') ?? []);
for (const [name, list] of handlerSamples) {
  const us = median(list);
  const streamed = name.endsWith('streamed');
  console.log(
    `  ${name.padEnd(34)} ${us.toFixed(1).padStart(5)} µs CPU/request (${(us / (streamed ? handlerChatStream : handlerChat)).toFixed(2)} × chat completions${streamed ? ', streamed' : ''})`,
  );
}
