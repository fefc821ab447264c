import type { RecordedLlmRequest } from '../llm/index.ts';
import type { Matcher, ReplyExpectations, TurnStep } from '../scenario/types.ts';
import type { ExpectationResult, TurnRecord } from '../types/results.ts';
import { getPath } from '../util/json-path.ts';
import { chatRequests, promptContext } from './prompt.ts';

/** What the judge needs besides the turn: the session's earlier turns, with where they were said. */
export interface TurnContext {
  step: TurnStep;
  earlier: readonly Pick<TurnRecord, 'label' | 'user' | 'worker' | 'pid' | 'step'>[];
  llm: readonly RecordedLlmRequest[];
  reply: string | null;
  json: unknown;
  answered: boolean;
}

const quote = (s: string) => (s.startsWith('/') ? s : `"${s}"`);

/** Judge one turn's expectations against what the app sent the LLM and what it answered. */
export function judgeTurn(c: TurnContext): ExpectationResult[] {
  const { expect } = c.step;
  const results: ExpectationResult[] = [];
  const needsPrompt =
    expect.recall.length > 0 || expect.forget.length > 0 || expect.recallRecent !== undefined;
  const context = promptContext(c.llm, c.step.user);
  const called = chatRequests(c.llm).length > 0;

  if (needsPrompt && c.answered && !called) {
    results.push({
      kind: 'llm_called',
      expected: 'a call to the LLM',
      passed: false,
      message: `the app answered ${c.step.session}#${c.step.turn} without calling the LLM, so nothing it remembered can be checked`,
      at: c.step.at,
    });
  }

  for (const m of expect.recall) {
    const saidIn = c.earlier
      .filter((t) => m.test(t.user))
      .map(({ label, worker, pid, step }) => ({ label, worker, pid, step }));
    const passed = called && m.test(context);
    const where = saidIn.map((s) => `${s.label} on ${s.worker}`).join(', ') || 'no earlier turn';
    results.push({
      kind: 'recall',
      expected: m.source,
      passed,
      message: passed
        ? `recalled ${quote(m.source)} (said in ${where})`
        : called
          ? `forgot ${quote(m.source)}: said in ${where}, missing from what the app sent the LLM`
          : `could not check ${quote(m.source)}: the LLM was not called`,
      at: m.at,
      saidIn,
    });
  }

  for (const m of expect.forget) {
    const found = m.test(context);
    results.push({
      kind: 'forget',
      expected: m.source,
      passed: !found,
      message: found
        ? `${quote(m.source)} reached the LLM but must not`
        : `${quote(m.source)} kept out of the prompt`,
      at: m.at,
    });
  }

  if (expect.recallRecent) {
    const { count, at } = expect.recallRecent;
    const recent = c.earlier.slice(-count);
    const missing = recent.filter((t) => !context.includes(t.user));
    results.push({
      kind: 'recall_recent',
      expected: `the last ${count} user messages`,
      passed: called && missing.length === 0,
      message:
        missing.length === 0 && called
          ? `the last ${recent.length} user message${recent.length === 1 ? '' : 's'} reached the LLM`
          : `forgot ${missing.length} of the last ${recent.length} user messages: ${missing.map((t) => `${t.label} (on ${t.worker})`).join(', ')}`,
      at,
      saidIn: missing.map(({ label, worker, pid, step }) => ({ label, worker, pid, step })),
    });
  }

  if (expect.reply) results.push(...judgeReply(expect.reply, c.reply, c.json));
  if (c.step.llmScript && c.answered && called) results.push(...judgeScript(c.step, c.llm));
  return results;
}

/**
 * A turn's scripted tool calls (`llm:`): each must have been asked of the app, and its result sent
 * back to the model; a script the app did not follow says where it stopped.
 */
function judgeScript(step: TurnStep, llm: readonly RecordedLlmRequest[]): ExpectationResult[] {
  const requests = chatRequests(llm);
  const results: ExpectationResult[] = [];
  for (const [index, scripted] of (step.llmScript ?? []).entries()) {
    if (!('toolCall' in scripted)) continue;
    const name = scripted.toolCall.name;
    // The mock numbers a turn's scripted calls by their place in the script (`call_amnesia_<turn>_<n>`).
    const isThis = (call: { id: string; name: string }) =>
      call.name === name && call.id.endsWith(`_${index + 1}`);
    const asked = requests.findIndex((r) => r.toolCalls?.some(isThis));
    const callId = requests[asked]?.toolCalls?.find(isThis)?.id;
    const answered =
      callId !== undefined &&
      requests.slice(asked + 1).some((r) => r.toolResults?.some((result) => result.id === callId));
    const expected = `the result of tool call ${name} (step ${index + 1} of the script)`;
    results.push({
      kind: 'tool_result',
      expected,
      passed: answered,
      message: answered
        ? `the app ran ${name} and sent its result back to the model`
        : callId === undefined
          ? `the script's tool call ${name} (step ${index + 1}) was never made: the app stopped calling the LLM before it (an earlier call's result never came back, or the app answered without it)`
          : `the LLM called ${name} (${callId}) as scripted, and the app never sent its result back to the model: it does not run the tool, or answers without the tool's result`,
      at: step.at,
    });
  }
  return results;
}

/**
 * Whether the app answered as the turn expects: an answer (the default), a failure
 * (`expect.error: true`, e.g. during an outage of a store it cannot do without), or either
 * (`expect.error: allowed`). Undefined when an acceptable answer came: nothing to report.
 */
export function answeredCheck(step: TurnStep, failure: string | undefined): ExpectationResult | undefined {
  if (step.expect.error === true) {
    return {
      kind: 'answered',
      expected: 'an error',
      passed: failure !== undefined,
      message:
        failure !== undefined
          ? `the app could not answer, as expected: ${failure}`
          : `the app answered ${step.session}#${step.turn}, but this turn expects it to fail`,
      at: step.at,
    };
  }
  if (failure === undefined) return undefined;
  if (step.expect.error === 'allowed')
    return {
      kind: 'answered',
      expected: 'an answer or an error',
      passed: true,
      message: `the app could not answer, which this turn allows: ${failure}`,
      at: step.at,
    };
  return { kind: 'answered', expected: 'an answer', passed: false, message: failure, at: step.at };
}

function judgeReply(r: ReplyExpectations, reply: string | null, json: unknown): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  const text = reply ?? '';
  const add = (expected: string, passed: boolean, message: string, at = r.at) =>
    out.push({ kind: 'reply', expected, passed, message, at });
  const shown = JSON.stringify(text.length > 160 ? `${text.slice(0, 160)}…` : text);
  for (const s of r.contains)
    add(
      `contains "${s}"`,
      text.includes(s),
      text.includes(s) ? `reply contains "${s}"` : `reply ${shown} does not contain "${s}"`,
    );
  for (const s of r.notContains)
    add(
      `not_contains "${s}"`,
      !text.includes(s),
      text.includes(s) ? `reply contains "${s}" but must not: ${shown}` : `reply leaves out "${s}"`,
    );
  if (r.matches) matchCheck(r.matches, text, `reply ${shown}`, add);
  if (r.equals !== undefined) {
    const ok = text.trim() === r.equals.trim();
    add(
      `equals "${r.equals}"`,
      ok,
      ok ? 'reply is exactly as expected' : `reply ${shown} is not "${r.equals}"`,
    );
  }
  for (const j of r.json) {
    const hit = json === undefined ? { found: false as const } : getPath(json, j.path);
    const valueText = hit.found
      ? typeof hit.value === 'string'
        ? hit.value
        : JSON.stringify(hit.value)
      : '';
    if (json === undefined) {
      add(`json ${j.path}`, false, `the reply is not JSON, so ${j.path} cannot be checked`, j.at);
      continue;
    }
    if (j.exists !== undefined) {
      const ok = hit.found === j.exists;
      add(
        `json ${j.path} exists: ${j.exists}`,
        ok,
        ok
          ? `${j.path} ${j.exists ? 'exists' : 'is absent'}`
          : `${j.path} ${hit.found ? 'exists' : 'is missing'}`,
        j.at,
      );
    }
    if (j.equals !== undefined) {
      const ok = hit.found && JSON.stringify(hit.value) === JSON.stringify(j.equals);
      add(
        `json ${j.path} equals ${JSON.stringify(j.equals)}`,
        ok,
        ok
          ? `${j.path} equals ${JSON.stringify(j.equals)}`
          : `${j.path} is ${hit.found ? JSON.stringify(hit.value) : 'missing'}, expected ${JSON.stringify(j.equals)}`,
        j.at,
      );
    }
    if (j.contains !== undefined) {
      const ok = hit.found && valueText.includes(j.contains);
      add(
        `json ${j.path} contains "${j.contains}"`,
        ok,
        ok
          ? `${j.path} contains "${j.contains}"`
          : `${j.path} (${hit.found ? JSON.stringify(valueText) : 'missing'}) does not contain "${j.contains}"`,
        j.at,
      );
    }
    if (j.matches) matchCheck(j.matches, valueText, j.path, (e, p, m) => add(e, p && hit.found, m, j.at));
  }
  return out;
}

function matchCheck(
  m: Matcher,
  text: string,
  what: string,
  add: (expected: string, passed: boolean, message: string) => void,
) {
  const ok = m.test(text);
  add(`matches ${m.source}`, ok, ok ? `${what} matches ${m.source}` : `${what} does not match ${m.source}`);
}
