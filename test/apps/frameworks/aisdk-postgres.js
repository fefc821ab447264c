// aisdk-postgres.js — THE FIX for the Vercel AI SDK: the chat in PostgreSQL (DATABASE_URL), a row
// per UIMessage keyed by the chat id, read on every turn; a turn appends its two messages with one
// INSERT (two turns at once keep both, where aisdk-files.js writes the whole chat back), and the
// answer goes out only after that write (where aisdk-onend.js does not await it). Row ✓.
import { postgresChats, streamChat, uiMessage } from './lib/aisdk.js';
import { serve } from './lib/http.js';

const chats = await postgresChats();

serve(
  async ({ sessionId, message }) => {
    const user = uiMessage('user', message);
    const result = await streamChat([...(await chats.load(sessionId)), user]);
    const answer = await result.text;
    await chats.append(sessionId, [user, uiMessage('assistant', answer)]);
    return answer;
  },
  { onShutdown: () => chats.db.end() },
);
