// The shared store of the fixed mode: chat histories in memory, over HTTP (a stand-in for Redis).
import { createServer } from 'node:http';

const histories = new Map();
createServer(async (req, res) => {
  const id = decodeURIComponent(req.url.replace(/^\/h\//, ''));
  if (req.method === 'POST') {
    const added = JSON.parse(Buffer.concat(await req.toArray()).toString());
    histories.set(id, [...(histories.get(id) ?? []), ...added]);
    return res.writeHead(204).end();
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(histories.get(id) ?? []));
}).listen(Number(process.argv[2]), '127.0.0.1', () => console.log(`store listening on ${process.argv[2]}`));
