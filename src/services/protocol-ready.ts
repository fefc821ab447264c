import { connect } from 'node:net';

/**
 * Readiness by the service's own protocol, from the host (no exec into the container, no log
 * line to race): Redis answers PING with PONG once its data is loaded (`-LOADING` before);
 * PostgreSQL answers a startup message with anything but "the database system is starting up"
 * (SQLSTATE 57P03) once it accepts connections, as `pg_isready` decides. The official postgres
 * image first runs a temporary server without TCP while it initialises: a TCP check alone
 * would pass on the wrong server, a log line alone on the first of two.
 */
export type ProtocolProbe = (port: number) => Promise<boolean>;

export const redisReady: ProtocolProbe = (port) =>
  exchange(port, Buffer.from('PING\r\n'), (data) =>
    data.includes('\r\n') ? data.startsWith('+PONG') : undefined,
  );

export const postgresReady: ProtocolProbe = (port) => {
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196608, 4); // protocol 3.0
  return exchange(port, Buffer.concat([head, params]), (data) => {
    if (data.length === 0) return undefined;
    if (data[0] !== 'E') return true; // authentication request or OK: it accepts connections
    if (!data.includes('\0\0')) return undefined;
    return !data.includes('C57P03\0');
  });
};

/** Send `request`, feed what comes back to `verdict` until it decides; false on any error. */
function exchange(
  port: number,
  request: Buffer,
  verdict: (data: string) => boolean | undefined,
  timeoutMs = 2_000,
): Promise<boolean> {
  return new Promise((resolve) => {
    let data = '';
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(request));
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const v = verdict(data);
      if (v !== undefined) done(v);
    });
    socket.on('error', () => done(false));
    socket.on('end', () => done(false));
  });
}
