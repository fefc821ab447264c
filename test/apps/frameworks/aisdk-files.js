// aisdk-files.js — Vercel AI SDK, the chatbot message persistence guide's store
// (https://ai-sdk.dev/docs/ai-sdk-ui/chatbot-message-persistence): `loadChat(id)` reads
// `.chats/<id>.json`, and `saveChat({ chatId, messages })` writes the whole chat back to it.
// The file is relative to the working directory: on the replica's own disk (row 3: another
// replica or a redeploy starts the chat afresh). And the whole chat is written back: two turns of
// one chat at once each read the same file and the later write erases the other turn (row 9).
// The save is awaited here, so those two are its only mistakes. The fix: aisdk-postgres.js.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { streamChat, uiMessage } from './lib/aisdk.js';
import { serve } from './lib/http.js';

const dir = '.chats';
await mkdir(dir, { recursive: true });
const file = (chatId) => `${dir}/${encodeURIComponent(chatId)}.json`;

async function loadChat(chatId) {
  try {
    return JSON.parse(await readFile(file(chatId), 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
}

async function saveChat({ chatId, messages }) {
  await writeFile(file(chatId), JSON.stringify(messages, null, 2));
}

serve(async ({ sessionId, message }) => {
  const messages = [...(await loadChat(sessionId)), uiMessage('user', message)];
  const result = await streamChat(messages);
  const answer = await result.text;
  await saveChat({ chatId: sessionId, messages: [...messages, uiMessage('assistant', answer)] });
  return answer;
});
