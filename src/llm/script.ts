import type { LlmScriptStep, TurnScope } from './types.ts';

/** A tool call the mock LLM makes: a scripted one, with the id its result must come back under. */
export interface ScriptedToolCall {
  id: string;
  name: string;
  /** JSON text, as the APIs carry it. */
  arguments: string;
}

/** What the mock LLM answers to one generation request: text, or a tool call. */
export type Generation = { text: string } | { toolCall: ScriptedToolCall };

/** The id of a turn's n-th scripted tool call (0-based): stable, so the app's result can be matched. */
export function scriptedCallId(turnId: string, index: number): string {
  return `call_amnesia_${turnId}_${index + 1}`;
}

/**
 * The scripted answer to a request of `turn`: the first scripted tool call whose result is not yet
 * in the request (`resultIds`: the tool-result ids the app sent), else the script's final text. `null`
 * when the turn has no script, or when its script is done and has no text (the default reply then).
 */
export function scriptedGeneration(
  turn: TurnScope | null,
  resultIds: ReadonlySet<string>,
): Generation | null {
  const script = turn?.script;
  if (!turn || !script || script.length === 0) return null;
  let next = 0;
  script.forEach((step, index) => {
    if ('toolCall' in step && resultIds.has(scriptedCallId(turn.turnId, index))) next = index + 1;
  });
  const step: LlmScriptStep | undefined = script[next];
  if (step === undefined) return null;
  if ('text' in step) return { text: step.text };
  return {
    toolCall: {
      id: scriptedCallId(turn.turnId, next),
      name: step.toolCall.name,
      arguments: JSON.stringify(step.toolCall.arguments ?? {}),
    },
  };
}
