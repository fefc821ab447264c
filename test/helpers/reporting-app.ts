/**
 * The source of a one-file Node app (`server.mjs`) for engine tests: it listens on $PORT, and
 * each turn asks the mock LLM once (a scenario whose app never reaches the LLM cannot be judged),
 * runs `body` (statements that end by returning a value) and answers with that value as JSON.
 * `imports` are the module's import lines.
 */
export function reportingApp(imports: string, body: string): string {
  return `import { createServer } from 'node:http';
${imports}
const askLlm = () =>
  fetch(process.env.OPENAI_BASE_URL + '/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
  }).then((r) => r.text());
const report = () => {
${body}
};
const server = createServer((req, res) => {
  if (req.url === '/healthz') return void res.end('ok');
  req.resume();
  req.on('end', async () => {
    await askLlm();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ answer: JSON.stringify(report()) }));
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
`;
}
