// aisdk-onend.js — Vercel AI SDK, the persistence guide's route shape
// (https://ai-sdk.dev/docs/ai-sdk-ui/chatbot-message-persistence): the turn is saved in the
// stream's end callback, `onEnd: (...) => { saveChat(...); }`, whose promise nobody awaits, so the
// answer goes out before the write lands. The store is a shared one here (PostgreSQL, a row per
// message, appended), so only that mistake is left: a worker killed right after it answered loses
// the turn (failure-table row 12). The fix: await the save before answering (aisdk-postgres.js).
import { postgresChats, streamChat, uiMessage } from './lib/aisdk.js';
import { serve } from './lib/http.js';

const chats = await postgresChats();

serve(
  async ({ sessionId, message }) => {
    const user = uiMessage('user', message);
    const result = await streamChat([...(await chats.load(sessionId)), user], ({ text }) => {
      chats.append(sessionId, [user, uiMessage('assistant', text)]).catch((error) => console.error(error));
    });
    return await result.text;
  },
  { onShutdown: () => chats.db.end() },
);
