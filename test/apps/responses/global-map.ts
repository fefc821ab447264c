// global-map.ts — MISTAKE, failure-table row 2: the OpenAI Responses API keeps the conversation,
// and the app keeps each session's last response id in a process-global Map. Another worker, a
// restart, a crash: no id, so the chain starts over and the model has forgotten everything.
// Memory kept at the provider is still memory: its id must live where every process can read it.
import { serve } from './lib.ts';

const lastResponse = new Map<string, string>();

serve({
  get: async (sessionId) => lastResponse.get(sessionId),
  set: async (sessionId, responseId) => void lastResponse.set(sessionId, responseId),
});
