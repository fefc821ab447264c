// copied-history.ts — MISTAKE, failure-table row 1: the app keeps each session's messages in an
// array and passes it as `chat({ message, chatHistory: array })`. LlamaIndex.TS wraps a plain
// array in a NEW memory (`createMemory(array)`, a copy), adds the turn to the copy, and drops it:
// the array never grows. No error, no warning.
// Models: an app ported from the old `chatHistory: ChatMessage[]` API, or one that keeps
// "history" itself and hands it to the engine.
// Probe ladder: SW ✗ OW ✗ OR ✗ RS ✗ CR ✗ CI ✗ RD ✗ — looks like it remembers per session, keeps nothing.
// Diff against global-map.ts: an array handed over per call instead of the engine's memory.
import { SimpleChatEngine } from '@llamaindex/core/chat-engine';
import type { ChatMessage } from '@llamaindex/core/llms';
import { serve } from './lib/http.ts';
import { llm, systemMessage } from './lib/llm.ts';

const histories = new Map<string, ChatMessage[]>();

serve(async (turn) => {
  let history = histories.get(turn.sessionId);
  if (!history) {
    history = [systemMessage];
    histories.set(turn.sessionId, history);
  }
  await turn.ask(new SimpleChatEngine({ llm }), { chatHistory: history });
});
