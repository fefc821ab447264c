import { afterEach, describe, expect, it } from 'vitest';
import { type MockLlm, startMockLlm, type TurnScope } from './index.ts';

const running: MockLlm[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((llm) => llm.stop()));
});

async function start(): Promise<MockLlm> {
  const llm = await startMockLlm();
  running.push(llm);
  return llm;
}

const turn = (turnId: string, label: string): TurnScope => ({
  turnId,
  session: label.split('#')[0] ?? '',
  label,
  priorTurns: [],
});

async function chat(base: string, messages: { role: string; content: string }[]): Promise<string> {
  const res = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages }),
  });
  return (await res.json()).choices[0].message.content;
}

const user = (content: string) => ({ role: 'user', content });

describe('marked turns: many turns in flight on one worker, attributed by a marker in the request', () => {
  it('attributes each request to the turn whose marker it carries, on any worker, and answers for that turn', async () => {
    const llm = await start();
    llm.beginMarkedTurn('load', 'MK-001-1', turn('a1', 'a#1'));
    llm.beginMarkedTurn('load', 'MK-002-1', turn('b1', 'b#1'));
    const base = llm.baseUrl('load', 'r1w1');
    const [a, b] = await Promise.all([
      chat(base, [user('remember MK-001-1')]),
      chat(llm.baseUrl('load', 'r2w1'), [user('remember MK-002-1')]),
    ]);
    expect([a, b]).toEqual(['ack a#1; saw none', 'ack b#1; saw none']);
    const ra = llm.endMarkedTurn('load', 'MK-001-1');
    const rb = llm.endMarkedTurn('load', 'MK-002-1');
    expect(ra.map((r) => [r.turnId, r.worker])).toEqual([['a1', 'r1w1']]);
    expect(rb.map((r) => [r.turnId, r.worker])).toEqual([['b1', 'r2w1']]);
    // Handed to their turns, not kept in the log.
    expect(llm.requests()).toEqual([]);
  });

  it('when a history quotes another in-flight marker, the last user message decides', async () => {
    const llm = await start();
    llm.beginMarkedTurn('load', 'MK-001-2', turn('a2', 'a#2'));
    llm.beginMarkedTurn('load', 'MK-002-1', turn('b1', 'b#1'));
    // a leaky app put b's message into a's prompt: still a's request.
    const reply = await chat(llm.baseUrl('load', 'r1w1'), [user('MK-002-1'), user('now MK-001-2')]);
    expect(reply).toBe('ack a#2; saw none');
    expect(llm.endMarkedTurn('load', 'MK-001-2')).toHaveLength(1);
    expect(llm.endMarkedTurn('load', 'MK-002-1')).toEqual([]);
  });

  it('a request with no marker in flight, or with two in its own message, belongs to no turn', async () => {
    const llm = await start();
    llm.beginMarkedTurn('load', 'MK-001-1', turn('a1', 'a#1'));
    llm.beginMarkedTurn('load', 'MK-002-1', turn('b1', 'b#1'));
    const base = llm.baseUrl('load', 'r1w1');
    expect(await chat(base, [user('no marker here')])).toBe('ack (no turn)');
    expect(await chat(base, [user('MK-001-1 and MK-002-1')])).toBe('ack (no turn)');
    // Another scope's marked turns never claim a request.
    expect(await chat(llm.baseUrl('other', 'r1w1'), [user('MK-001-1')])).toBe('ack (no turn)');
    expect(llm.requests({ turnId: null })).toHaveLength(3);
    expect(llm.endMarkedTurn('load', 'MK-001-1')).toEqual([]);
  });

  it("a worker's own turn (beginTurn) still wins on its URL", async () => {
    const llm = await start();
    llm.beginMarkedTurn('s', 'MK-001-1', turn('a1', 'a#1'));
    llm.beginTurn('s', 'r1w1', turn('t1', 'main#1'));
    expect(await chat(llm.baseUrl('s', 'r1w1'), [user('MK-001-1')])).toBe('ack main#1; saw none');
    expect(llm.endTurn('s', 'r1w1')).toHaveLength(1);
    expect(llm.endMarkedTurn('s', 'MK-001-1')).toEqual([]);
  });

  it('refuses a marker already in flight, and ending one that is not', async () => {
    const llm = await start();
    llm.beginMarkedTurn('load', 'MK-001-1', turn('a1', 'a#1'));
    expect(() => llm.beginMarkedTurn('load', 'MK-001-1', turn('a2', 'a#2'))).toThrow(/already names turn a1/);
    expect(() => llm.endMarkedTurn('load', 'MK-009-9')).toThrow(/no turn marked "MK-009-9"/);
    llm.clear('load');
    expect(() => llm.endMarkedTurn('load', 'MK-001-1')).toThrow(/no turn marked/);
  });

  it('attributes Responses API requests too: by the marker in their own input, the chain holding others', async () => {
    const llm = await start();
    const base = llm.baseUrl('load', 'r1w1');
    const respond = async (body: object) =>
      (await (
        await fetch(`${base}/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', ...body }),
        })
      ).json()) as { id: string; output: { content: { text: string }[] }[] };
    llm.beginMarkedTurn('load', 'MK-001-1', turn('a1', 'a#1'));
    const first = await respond({ input: 'remember MK-001-1' });
    llm.endMarkedTurn('load', 'MK-001-1');
    llm.beginMarkedTurn('load', 'MK-001-1', turn('a0', 'a#0')); // a marker of another turn still in the body
    llm.beginMarkedTurn('load', 'MK-001-2', turn('a2', 'a#2'));
    const second = await respond({
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'old MK-001-1' }] },
        { role: 'user', content: [{ type: 'input_text', text: 'now MK-001-2' }] },
      ],
      previous_response_id: first.id,
    });
    expect(second.output[0]?.content[0]?.text).toMatch(/^ack a#2;/);
    expect(llm.endMarkedTurn('load', 'MK-001-2')).toHaveLength(1);
  });
});
