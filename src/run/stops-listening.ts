import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** Between two connection attempts: the poll lasts from a stop signal to the worker's reaction. */
const POLL_MS = 5;

/**
 * Resolves once nothing accepts connections on 127.0.0.1:port any more (the worker closed its
 * listener to drain, or died), or once `gone` settles (the worker's exit was seen), whichever
 * comes first. A worker that stops listening on SIGTERM has handled the signal: what it still
 * has in flight is then up to its drain, not to which event its loop happened to run first.
 */
export async function untilStopsListening(port: number, gone: Promise<unknown>): Promise<void> {
  let over = false;
  const ended = gone.then(() => {
    over = true;
  });
  while (!over) {
    if (!(await accepts(port))) return;
    await Promise.race([ended, delay(POLL_MS)]);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
