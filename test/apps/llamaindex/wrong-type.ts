// wrong-type.ts — MISTAKE, failure-table row 5: a plain array of messages passed where LlamaIndex
// expects a Memory object: `new SimpleChatEngine({ llm, memory: array })`. The compiler objects
// (silenced below, as it is in JavaScript apps or behind `as any`); at run time the first chat
// throws `TypeError: chatHistory.add is not a function`.
// Models: an app written against the deprecated `ChatMemoryBuffer`/`chatHistory: ChatMessage[]`
// examples. Every /chat answers 500 {"error": "chatHistory.add is not a function"} and the stack
// goes to stderr.
// Probe ladder: none — the app errors on the first turn; amnesia should name a likely type mismatch.
// Diff against global-map.ts: an array where the Memory goes.
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
  // @ts-expect-error an array is not a Memory: the type error was silenced, the runtime one is not
  await turn.ask(new SimpleChatEngine({ llm, memory: history }));
});
