import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { postgresReady, redisReady } from './protocol-ready.ts';

/** A TCP server on 127.0.0.1 that answers the first bytes it receives with `reply`. */
async function answering(reply: Buffer | string): Promise<AsyncDisposable & { port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.once('data', () => s.write(reply));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A PostgreSQL ErrorResponse with SQLSTATE `code`. */
const pgError = (code: string) => {
  const body = Buffer.from(`SFATAL\0C${code}\0Mmessage\0\0`, 'latin1');
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
};

describe('protocol readiness', () => {
  it('returns true given a Redis that answers PONG, false given one still loading', async () => {
    await using up = await answering('+PONG\r\n');
    await using loading = await answering('-LOADING Redis is loading the dataset in memory\r\n');
    expect(await redisReady(up.port)).toBe(true);
    expect(await redisReady(loading.port)).toBe(false);
  });

  it('returns true given a PostgreSQL asking for authentication or refusing the login, false while it starts up', async () => {
    await using auth = await answering(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]));
    await using badDb = await answering(pgError('3D000'));
    await using starting = await answering(pgError('57P03'));
    expect(await postgresReady(auth.port)).toBe(true);
    expect(await postgresReady(badDb.port)).toBe(true);
    expect(await postgresReady(starting.port)).toBe(false);
  });

  it('returns false given nothing listening', async () => {
    const gone = await answering('');
    const { port } = gone;
    await gone[Symbol.asyncDispose]();
    expect(await redisReady(port)).toBe(false);
    expect(await postgresReady(port)).toBe(false);
  });
});
