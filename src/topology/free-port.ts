import { createServer } from 'node:net';
import { AmnesiaError } from '../errors.ts';

/**
 * Hands out ports free on 127.0.0.1, never the same one twice in a run (the OS may offer a
 * just-closed port again before the app that got it has bound it).
 */
export class PortAllocator {
  private readonly given = new Set<number>();

  async next(): Promise<number> {
    for (let i = 0; i < 50; i++) {
      const port = await freePort();
      if (!this.given.has(port)) {
        this.given.add(port);
        return port;
      }
    }
    throw new AmnesiaError(
      'AMNESIA_ENVIRONMENT',
      'could not find a free port on 127.0.0.1 after 50 tries: is the machine out of ports?',
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
