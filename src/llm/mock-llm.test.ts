import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockLlm, startMockLlm, type TurnScope } from './index.ts';
import { SERVED } from './routes.ts';

const running: MockLlm[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((llm) => llm.stop()));
});

async function start(options?: Parameters<typeof startMockLlm>[0]): Promise<MockLlm> {
  const llm = await startMockLlm(options);
  running.push(llm);
  return llm;
}

function turn(turnId: string, label: string, priorTurns: TurnScope['priorTurns'] = []): TurnScope {
  return { turnId, session: label.split('#')[0] ?? '', label, priorTurns };
}

function post(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

const chat = (base: string, content: string, extra: object = {}) =>
  post(`${base}/chat/completions`, { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });

/** The `data:` payloads of a server-sent-event body. */
function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice('data: '.length));
}

describe('chat completions', () => {
  it('answers a full chat.completion with an assistant message, finish_reason and usage', async () => {
    const llm = await start();
    const response = await chat(llm.baseUrl('s1', 'r1w1'), 'hello');
    expect(response.status).toBe(200);
    const json = await response.json();
    expect(json).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'ack (no turn)' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
    });
  });

  it('streams the same reply as chat.completion.chunk events, then [DONE]', async () => {
    const llm = await start();
    const base = llm.baseUrl('s1', 'r1w1');
    llm.beginTurn('s1', 'r1w1', turn('t1', 'alice#2', [{ label: 'alice#1', text: 'first' }]));
    const response = await post(`${base}/chat/completions`, {
      messages: [
        { role: 'user', content: 'first' },
        { role: 'user', content: 'second' },
      ],
      stream: true,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = sseData(await response.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((item) => JSON.parse(item));
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks[0]).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [{ delta: { role: 'assistant' } }],
    });
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    const text = chunks.map((chunk) => chunk.choices[0].delta.content ?? '').join('');
    expect(text).toBe('ack alice#2; saw alice#1');
    const [record] = llm.endTurn('s1', 'r1w1');
    expect(record).toMatchObject({ stream: true, reply: 'ack alice#2; saw alice#1', turnId: 't1' });
  });

  it('streams incrementally: the first event arrives before the handler writes the next', async () => {
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const encoder = new TextEncoder();
    const llm = await start({
      handlers: [
        http.post('*/chat/completions', () => {
          const body = new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(encoder.encode('data: {"choices":[{"delta":{"content":"one"}}]}\n\n'));
              await gate;
              controller.enqueue(encoder.encode('data: [DONE]\n\n'));
              controller.close();
            },
          });
          return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } });
        }),
      ],
    });
    const response = await chat(llm.baseUrl('s1', 'r1w1'), 'hi', { stream: true });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('"one"');
    openGate();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toContain('[DONE]');
  });

  it('survives a client that aborts mid-stream, and keeps serving', async () => {
    let cancelled = () => {};
    const wasCancelled = new Promise<void>((resolve) => {
      cancelled = resolve;
    });
    const llm = await start({
      handlers: [
        http.post('*/chat/completions', () => {
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(
                new TextEncoder().encode('data: {"choices":[{"delta":{"content":"x"}}]}\n\n'),
              );
            },
            cancel() {
              cancelled();
            },
          });
          return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } });
        }),
      ],
    });
    const base = llm.baseUrl('s1', 'r1w1');
    const controller = new AbortController();
    const response = await post(
      `${base}/chat/completions`,
      { messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal: controller.signal },
    );
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await wasCancelled;
    const models = await fetch(`${base}/models`);
    expect(models.status).toBe(200);
  });

  it('answers malformed JSON with 400 and x-should-retry: false, and records the raw body', async () => {
    const llm = await start();
    const response = await post(`${llm.baseUrl('s1', 'r1w1')}/chat/completions`, '{"messages": [');
    expect(response.status).toBe(400);
    expect(response.headers.get('x-should-retry')).toBe('false');
    const json = await response.json();
    expect(json.error.message).toMatch(/not valid JSON/);
    expect(json.error.message).toContain('{"messages": [');
    expect(llm.requests()).toMatchObject([
      { kind: 'chat', status: 400, body: '{"messages": [', messages: [] },
    ]);
  });

  it('flattens content-part arrays into text', async () => {
    const llm = await start();
    await post(`${llm.baseUrl('s1', 'r1w1')}/chat/completions`, {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'part one' },
            { type: 'text', text: 'part two' },
          ],
        },
      ],
    });
    expect(llm.requests()[0]?.messages).toEqual([{ role: 'user', content: 'part one\npart two' }]);
  });
});

describe('embeddings and models', () => {
  it('answers number arrays by default and records the inputs', async () => {
    const llm = await start({ embeddingDimensions: 32 });
    const response = await post(`${llm.baseUrl('s1', 'r1w1')}/embeddings`, { input: ['a cat', 'a dog'] });
    const json = await response.json();
    expect(json.object).toBe('list');
    expect(json.data).toHaveLength(2);
    expect(json.data[1]).toMatchObject({ object: 'embedding', index: 1 });
    expect(json.data[0].embedding).toHaveLength(32);
    expect(json.usage.total_tokens).toBeGreaterThan(0);
    expect(llm.requests()).toMatchObject([{ kind: 'embeddings', input: ['a cat', 'a dog'], reply: null }]);
  });

  it('honours the dimensions parameter', async () => {
    const llm = await start();
    const response = await post(`${llm.baseUrl('s1', 'r1w1')}/embeddings`, { input: 'x', dimensions: 8 });
    expect((await response.json()).data[0].embedding).toHaveLength(8);
  });

  it('lists gpt-4o-mini and text-embedding-3-small', async () => {
    const llm = await start();
    const json = await (await fetch(`${llm.baseUrl('s1', 'r1w1')}/models`)).json();
    expect(json.data.map((model: { id: string }) => model.id)).toEqual([
      'gpt-4o-mini',
      'text-embedding-3-small',
    ]);
    expect(llm.requests()).toMatchObject([{ kind: 'models', method: 'GET', path: '/models', body: null }]);
  });
});

describe('attribution', () => {
  it('gives two workers with turns in flight at once their own records', async () => {
    const llm = await start();
    llm.beginTurn('s1', 'r1w1', turn('t1', 'alice#1'));
    llm.beginTurn('s1', 'r1w2', turn('t2', 'bob#1'));
    const [a, b] = await Promise.all([
      chat(llm.baseUrl('s1', 'r1w1'), 'from alice').then((r) => r.json()),
      chat(llm.baseUrl('s1', 'r1w2'), 'from bob').then((r) => r.json()),
    ]);
    expect(a.choices[0].message.content).toBe('ack alice#1; saw none');
    expect(b.choices[0].message.content).toBe('ack bob#1; saw none');
    const alice = llm.endTurn('s1', 'r1w1');
    const bob = llm.endTurn('s1', 'r1w2');
    expect(alice).toMatchObject([{ turnId: 't1', worker: 'r1w1', messages: [{ content: 'from alice' }] }]);
    expect(bob).toMatchObject([{ turnId: 't2', worker: 'r1w2', messages: [{ content: 'from bob' }] }]);
  });

  it('records requests outside a turn, and on the bare /v1 URL, with turnId null', async () => {
    const llm = await start();
    llm.beginTurn('s1', 'r1w1', turn('t1', 'alice#1'));
    await chat(`${llm.url}/v1`, 'bare');
    await chat(llm.baseUrl('s1', 'r1w2'), 'other worker');
    llm.endTurn('s1', 'r1w1');
    await chat(llm.baseUrl('s1', 'r1w1'), 'after the turn');
    expect(llm.requests({ turnId: null })).toMatchObject([
      { seq: 1, scope: '', worker: '', reply: 'ack (no turn)' },
      { seq: 2, scope: 's1', worker: 'r1w2' },
      { seq: 3, scope: 's1', worker: 'r1w1' },
    ]);
    expect(llm.requests({ turnId: 't1' })).toEqual([]);
  });

  it('refuses a second turn on a worker that has one in flight', async () => {
    const llm = await start();
    llm.beginTurn('s1', 'r1w1', turn('t1', 'alice#1'));
    expect(() => llm.beginTurn('s1', 'r1w1', turn('t2', 'alice#2'))).toThrow(/already has turn t1/);
    llm.beginTurn('s2', 'r1w1', turn('t3', 'alice#1'));
    expect(() => llm.endTurn('s1', 'r1w2')).toThrow(/no turn in flight/);
  });

  it('replies with the prior turns the request carries and never with user text', async () => {
    const llm = await start();
    const prior = [
      { label: 'alice#1', text: 'My name is Ada.' },
      { label: 'alice#2', text: 'I build engines.' },
      { label: 'alice#3', text: 'I like tea.' },
    ];
    llm.beginTurn('s1', 'r1w1', turn('t4', 'alice#4', prior));
    const response = await post(`${llm.baseUrl('s1', 'r1w1')}/chat/completions`, {
      messages: [
        { role: 'system', content: 'Known facts: My name is Ada.' },
        { role: 'user', content: 'I like tea.' },
        { role: 'assistant', content: 'ack alice#3; saw none' },
        { role: 'user', content: 'I build engines.' },
      ],
    });
    const reply = (await response.json()).choices[0].message.content;
    expect(reply).toBe('ack alice#4; saw alice#1, alice#3');
    for (const { text } of prior) expect(reply).not.toContain(text.slice(0, 8));
    expect(llm.endTurn('s1', 'r1w1')[0]?.reply).toBe(reply);
  });

  it('sends a scripted reply', async () => {
    const llm = await start();
    llm.beginTurn('s1', 'r1w1', { ...turn('t1', 'alice#1'), reply: 'Scripted.' });
    const response = await chat(llm.baseUrl('s1', 'r1w1'), 'hi');
    expect((await response.json()).choices[0].message.content).toBe('Scripted.');
  });

  it('forgets a scope and its turns in flight on clear', async () => {
    const llm = await start();
    llm.beginTurn('s1', 'r1w1', turn('t1', 'alice#1'));
    await chat(llm.baseUrl('s1', 'r1w1'), 'one');
    await chat(llm.baseUrl('s2', 'r1w1'), 'two');
    llm.clear('s1');
    expect(llm.requests().map((record) => record.scope)).toEqual(['s2']);
    expect(() => llm.beginTurn('s1', 'r1w1', turn('t2', 'alice#1'))).not.toThrow();
  });
});

describe('user handlers', () => {
  it('take precedence over the defaults and are still recorded with their reply', async () => {
    const seen: unknown[] = [];
    const llm = await start({
      handlers: [
        http.post('*/chat/completions', async ({ request }) => {
          seen.push(await request.json());
          return HttpResponse.json({ choices: [{ message: { role: 'assistant', content: 'custom' } }] });
        }),
      ],
    });
    llm.beginTurn('s1', 'r1w1', turn('t1', 'alice#1'));
    const response = await chat(llm.baseUrl('s1', 'r1w1'), 'hi');
    expect((await response.json()).choices[0].message.content).toBe('custom');
    expect(seen).toMatchObject([{ messages: [{ content: 'hi' }] }]);
    expect(llm.endTurn('s1', 'r1w1')).toMatchObject([
      {
        kind: 'chat',
        turnId: 't1',
        reply: 'custom',
        status: 200,
        messages: [{ role: 'user', content: 'hi' }],
      },
    ]);
  });

  it('fall through to the defaults, which still read the body, when they return nothing', async () => {
    const llm = await start({
      handlers: [
        http.post('*/chat/completions', async ({ request }) => {
          await request.text();
        }),
      ],
    });
    const response = await chat(llm.baseUrl('s1', 'r1w1'), 'hi');
    expect((await response.json()).choices[0].message.content).toBe('ack (no turn)');
  });

  it('answer routes the defaults do not know, recorded as kind other', async () => {
    const llm = await start({
      handlers: [http.post('*/v1/audio/speech', () => HttpResponse.json({ ok: true }))],
    });
    const response = await post(`${llm.baseUrl('s1', 'r1w1')}/audio/speech`, { input: 'hi' });
    expect(response.status).toBe(200);
    expect(llm.requests()).toMatchObject([
      { kind: 'other', path: '/audio/speech', status: 200, reply: null },
    ]);
  });

  it('that throw give 500 with x-should-retry: false, recorded', async () => {
    const llm = await start({
      handlers: [
        http.post('*/chat/completions', () => {
          throw new Error('boom');
        }),
      ],
    });
    const response = await chat(llm.baseUrl('s1', 'r1w1'), 'hi');
    expect(response.status).toBe(500);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect((await response.json()).error.message).toContain('boom');
    expect(llm.requests()).toMatchObject([{ kind: 'chat', status: 500, reply: null }]);
  });
});

describe('unmatched requests', () => {
  it('get 400 with x-should-retry: false and a message naming the request', async () => {
    const llm = await start();
    const base = llm.baseUrl('s1', 'r1w1');
    const response = await post(`${base}/foo`, { hello: 'world' });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-should-retry')).toBe('false');
    const { error } = await response.json();
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toBe(
      `amnesia mock LLM: no handler for POST /foo under ${llm.shownBaseUrl('s1', 'r1w1')} (worker r1w1's base URL); ` +
        `amnesia serves ${SERVED.join(', ')} there (body starts: {"hello":"world"}); add an msw handler for others.`,
    );
    expect(llm.requests()).toMatchObject([
      { kind: 'unmatched', status: 400, path: '/foo', body: { hello: 'world' } },
    ]);
  });

  it("outside any worker's base URL say where the base URLs are", async () => {
    const llm = await start();
    const response = await post(`${llm.url}/s/s1/w/r1w1/chat/completions`, { messages: [] });
    expect((await response.json()).error.message).toBe(
      `amnesia mock LLM: no handler for POST /s/s1/w/r1w1/chat/completions: not under a worker's base URL (${llm.origin}/k/<key>/s/<scenario>/w/<worker>/v1, given to each worker as its LLM base URL), where amnesia serves ${SERVED.join(', ')} (body starts: {"messages":[]}); add an msw handler for others.`,
    );
  });
});

describe("the run's key", () => {
  it('is 128 random bits in every URL, and differs from one server to the next', async () => {
    const [a, b] = [await start(), await start()];
    const keyOf = (llm: MockLlm) => /\/k\/([^/]+)$/.exec(llm.url)?.[1] ?? '';
    expect(keyOf(a)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(keyOf(a)).not.toBe(keyOf(b));
    expect(a.baseUrl('s1', 'r1w1')).toBe(`${a.url}/s/s1/w/r1w1/v1`);
    expect(a.shownBaseUrl('s1', 'r1w1')).toBe(`${a.origin}/k/<key>/s/s1/w/r1w1/v1`);
  });

  it('refuses a request without it (404, no retry), never attributes or records it, and counts it', async () => {
    const llm = await start();
    llm.beginTurn('s1', 'r1w1', turn('t1', 'alice#1'));
    const forged = [
      await chat(`${llm.origin}/s/s1/w/r1w1/v1`, 'My cat is called Miso.'),
      await chat(`${llm.origin}/k/guessed/s/s1/w/r1w1/v1`, 'My cat is called Miso.'),
      await chat(`${llm.origin}/v1`, 'bare'),
    ];
    expect(forged.map((r) => [r.status, r.headers.get('x-should-retry')])).toEqual([
      [404, 'false'],
      [404, 'false'],
      [404, 'false'],
    ]);
    const [, guessed] = forged;
    const { error } = (await guessed?.json()) ?? {};
    expect(error.message).toBe(
      `amnesia mock LLM: POST /k/<key>/s/s1/w/r1w1/v1/chat/completions does not carry this run's key; only the base URLs amnesia gives its workers (${llm.origin}/k/<key>/s/<scenario>/w/<worker>/v1) are answered.`,
    );
    await chat(llm.baseUrl('s1', 'r1w1'), 'the app');
    expect(llm.endTurn('s1', 'r1w1').map((r) => r.messages[0]?.content)).toEqual(['the app']);
    expect(llm.requests()).toHaveLength(1);
    expect([llm.refused('s1'), llm.refused(''), llm.refused('s2')]).toEqual([2, 1, 0]);
    llm.clear('s1');
    expect(llm.refused('s1')).toBe(0);
  });
});

describe('bounds', () => {
  it('refuses a body over maxRequestBytes with a 413 (no retry), keeps no byte of it, and records the refusal on the turn', async () => {
    const llm = await start({ maxRequestBytes: 1000 });
    llm.beginTurn('s1', 'r1w1', turn('t1', 'alice#1'));
    const response = await chat(llm.baseUrl('s1', 'r1w1'), 'x'.repeat(5000));
    expect(response.status).toBe(413);
    expect(response.headers.get('x-should-retry')).toBe('false');
    const message =
      'amnesia mock LLM: the body of POST /k/<key>/s/s1/w/r1w1/v1/chat/completions is 4.9 KiB, over llm.max_request (1000 B); it was not read. Raise llm.max_request in amnesia.config.yaml if the app really sends requests this large.';
    expect((await response.json()).error.message).toBe(message);
    expect(llm.endTurn('s1', 'r1w1')).toMatchObject([
      { kind: 'too-large', status: 413, body: null, messages: [], turnId: 't1', refusal: message },
    ]);
    // A body under the limit is answered as ever, on the same server.
    expect((await chat(llm.baseUrl('s1', 'r1w1'), 'short')).status).toBe(200);
  });

  it('closes connections past maxConnections as they come, and counts them', async () => {
    const llm = await start({ maxConnections: 3 });
    const { hostname, port } = new URL(llm.origin);
    let closed = 0;
    const sockets = Array.from({ length: 5 }, () =>
      connect(Number(port), hostname).on('close', () => {
        closed++;
      }),
    );
    // Which two are closed depends on the order the server accepts them in.
    await expect.poll(() => closed).toBe(2);
    expect(llm.droppedConnections()).toBe(2);
    expect(sockets.filter((s) => !s.destroyed)).toHaveLength(3);
    for (const s of sockets) s.destroy();
  });
});

describe('idle connections', () => {
  it('closes a connection that sends no request (408), so idle sockets cannot pile up', {
    timeout: 30_000,
  }, async () => {
    const llm = await start();
    const { hostname, port } = new URL(llm.origin);
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (d) => {
      answer += d;
    });
    await new Promise((resolve) => socket.on('close', resolve));
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  });
});

describe('stop', () => {
  it('is idempotent and completes with an idle keep-alive connection open', async () => {
    const llm = await startMockLlm();
    const agent = new Agent({ keepAlive: true });
    const status = await new Promise<number>((resolve, reject) => {
      httpRequest(`${llm.baseUrl('s1', 'r1w1')}/models`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);
    await Promise.all([llm.stop(), llm.stop()]);
    await llm.stop();
    agent.destroy();
  });

  it('is what await using calls', async () => {
    let url = '';
    {
      await using llm = await startMockLlm();
      url = llm.url;
    }
    await expect(fetch(`${url}/v1/models`)).rejects.toThrow();
  });
});

describe('turn hooks', () => {
  it('holds the first LLM request of a turn until its firstRequest hook settles; later requests pass', async () => {
    const llm = await start();
    const base = llm.baseUrl('s1', 'r1w1');
    let release!: () => void;
    let calls = 0;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    llm.beginTurn('s1', 'r1w1', turn('t1', 'alice#1'), {
      firstRequest: () => {
        calls++;
        return held;
      },
    });
    let answered = false;
    const first = chat(base, 'first').then((r) => {
      answered = true;
      return r.json();
    });
    // The second request is sent once the first has arrived (the hook ran) and is answered at once.
    await expect.poll(() => calls).toBe(1);
    const second = await (await chat(base, 'second')).json();
    expect(second.choices[0].message.content).toBe('ack alice#1; saw none');
    expect(answered).toBe(false);
    release();
    expect((await first).choices[0].message.content).toBe('ack alice#1; saw none');
    expect(calls).toBe(1);
    expect(llm.endTurn('s1', 'r1w1').map((r) => r.messages[0]?.content)).toEqual(['first', 'second']);
  });

  it('answers a held request even when the hook rejects', async () => {
    const llm = await start();
    llm.beginTurn('s1', 'r1w1', turn('t1', 'alice#1'), {
      firstRequest: () => Promise.reject(new Error('x')),
    });
    const response = await chat(llm.baseUrl('s1', 'r1w1'), 'hello');
    expect(response.status).toBe(200);
    llm.endTurn('s1', 'r1w1');
  });
});
