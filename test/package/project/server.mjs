// A user's own chat app, written for the packed-install test: plain Node, no dependencies.
// MEMORY=broken keeps each session's history in this process's RAM (lost on another worker or a
// restart); MEMORY=fixed keeps it in the store service at STORE_URL, read on every request.
import { createServer } from 'node:http';

const sessions = new Map();
const memory =
  process.env.MEMORY === 'fixed'
    ? {
        load: async (id) => (await fetch(`${process.env.STORE_URL}/h/${encodeURIComponent(id)}`)).json(),
        append: async (id, messages) => {
          await fetch(`${process.env.STORE_URL}/h/${encodeURIComponent(id)}`, {
            method: 'POST',
            body: JSON.stringify(messages),
          });
        },
      }
    : {
        load: async (id) => sessions.get(id) ?? [],
        append: async (id, messages) => sessions.set(id, [...(sessions.get(id) ?? []), ...messages]),
      };

async function chat(sessionId, message) {
  const history = await memory.load(sessionId);
  const response = await fetch(`${process.env.OPENAI_BASE_URL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.OPENAI_API_KEY}` },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        ...history,
        { role: 'user', content: message },
      ],
    }),
  });
  if (!response.ok) throw new Error(`LLM answered ${response.status}: ${await response.text()}`);
  const answer = (await response.json()).choices[0].message.content;
  await memory.append(sessionId, [
    { role: 'user', content: message },
    { role: 'assistant', content: answer },
  ]);
  return answer;
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/chat') {
      const { session_id, message } = JSON.parse(Buffer.concat(await req.toArray()).toString());
      const answer = await chat(session_id, message);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ answer }));
    } else res.writeHead(404).end();
  } catch (e) {
    console.error(e);
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(e) }));
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`listening on ${process.env.PORT}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
