import { existsSync } from 'node:fs';
import path from 'node:path';
import { type InputProblem, InvalidInputError } from '../errors.ts';
import { createMatcher } from '../scenario/matcher.ts';
import { resolveTopology } from '../scenario/topology.ts';
import type { SourceLocation } from '../scenario/types.ts';
import { type ConfigFile, configFile, SERVICE_KINDS } from '../schema/config.ts';
import { type KeyedUnion, type SourceDocument, validateAgainst } from '../schema/document.ts';
import { schemaAt } from '../schema/keys.ts';
import { parseDuration, parseFailedShare, parseSize } from '../schema/primitives.ts';
import { readYamlMap } from '../schema/read.ts';
import { placeholders, stringsIn } from '../util/template.ts';
import { runsNode } from './runs-node.ts';
import type { ReadySpec, ReplySpec, ResolvedConfig, ServiceSpec } from './types.ts';

export const CONFIG_NAMES = ['amnesia.config.yaml', 'amnesia.config.yml'];

export const CONFIG_EXAMPLE = `  app:
    command: node server.js
    ready: { http: /healthz }
  chat:
    path: /chat
    json: { session_id: "{{session}}", message: "{{message}}" }
    reply: $.answer`;

export const DEFAULTS = {
  topology: { replicas: 2, workers: 2 },
  routing: 'spread',
  portEnv: 'PORT',
  bootTimeoutMs: 30_000,
  stopGraceMs: 5_000,
  turnTimeoutMs: 30_000,
  maxReplyBytes: 4 * 2 ** 20,
  maxRequestBytes: 8 * 2 ** 20,
  link: ['node_modules', '.git'],
  scenarios: ['scenarios'],
  baseUrlEnv: 'OPENAI_BASE_URL',
  apiKeyEnv: 'OPENAI_API_KEY',
  dataDirEnv: 'AMNESIA_DATA_DIR',
  probe: {
    say: 'Please remember this: my project codename is {{canary}}.',
    ask: 'What is my project codename?',
    fillers: 4,
  },
  load: { sessions: 100, turns: 5, concurrency: 16 },
  /** Service images; AMNESIA_REDIS_IMAGE / AMNESIA_POSTGRES_IMAGE replace them (where only local images exist). */
  images: { redis: 'redis:7', postgres: 'postgres:16' },
} as const;

/** The config file in `dir`, if there is one. */
export function findConfig(dir: string): string | undefined {
  return CONFIG_NAMES.map((n) => path.join(dir, n)).find((f) => existsSync(f));
}

/** How a command-line user gives a config. */
export const CLI_CONFIG_HINT = 'run `npx amnesia init` to write a starter config, or pass --config <file>';

/** The problem of a folder without a config, where one is needed; `hint` says how to give one. */
export function noConfigProblem(cwd: string, hint: string): InputProblem {
  return {
    file: path.join(cwd, 'amnesia.config.yaml'),
    line: 1,
    column: 1,
    field: '',
    message: 'no amnesia.config.yaml here: amnesia needs to know how to start your app',
    hint,
  };
}

/**
 * The config to run with: one already loaded, a file (relative to `cwd`), else the one in `cwd`;
 * refused (InvalidInputError, with `hint`) when there is none.
 */
export async function configAt(
  cwd: string,
  config: string | ResolvedConfig | undefined,
  hint: string,
): Promise<ResolvedConfig> {
  if (typeof config === 'object') return config;
  const file = config ? path.resolve(cwd, config) : findConfig(cwd);
  if (!file) throw new InvalidInputError([noConfigProblem(cwd, hint)]);
  return loadConfig(file);
}

const SERVICE_UNION: KeyedUnion = {
  union: schemaAt(configFile, ['services', 'x']) as KeyedUnion['union'],
  kinds: SERVICE_KINDS,
  what: 'a service',
};

/** Read, validate and resolve amnesia.config.yaml. Throws InvalidInputError with every problem. */
export async function loadConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedConfig> {
  const read = await readYamlMap(file, 'the config file', CONFIG_EXAMPLE);
  if ('problems' in read) throw new InvalidInputError(read.problems);
  const { data, problems } = validateAgainst(read.src, read.value, configFile, [SERVICE_UNION]);
  if (!data) throw new InvalidInputError(problems);
  const placeholderProblems = checkPlaceholders(read.src, data);
  if (placeholderProblems.length) throw new InvalidInputError(placeholderProblems);
  return resolveConfig(data, file, (p) => ({ file, ...read.src.position(p) }), env);
}

/** The config used when there is no file (validate without a config). */
export function defaultConfig(root: string): ResolvedConfig {
  return resolveConfig(
    { app: { command: 'node server.js' } },
    undefined,
    () => ({ file: root, line: 1, column: 1 }),
    process.env,
    root,
  );
}

/** Where each placeholder works (the placeholders table of docs/reference/config.md and the schema's descriptions say the same). */
const PLACEHOLDERS = {
  chat: ['session', 'message'],
  app: [
    'replica',
    'worker',
    'port',
    'data_dir',
    'shared_dir',
    'llm_base_url',
    'llm_chat_url',
    'llm_anthropic_url',
  ],
  service: ['port', 'url', 'dir'],
} as const;

function checkPlaceholders(src: SourceDocument, c: ConfigFile): InputProblem[] {
  const problems: InputProblem[] = [];
  const check = (value: unknown, base: PropertyKey[], allowed: readonly string[]) => {
    for (const [p, s] of stringsIn(value, base)) {
      for (const name of placeholders(s)) {
        if (!allowed.includes(name)) {
          problems.push(
            src.problem(
              p,
              `unknown placeholder \`{{${name}}}\``,
              `placeholders here: ${allowed.map((a) => `{{${a}}}`).join(', ')}`,
            ),
          );
        }
      }
    }
  };
  check(c.chat?.json, ['chat', 'json'], PLACEHOLDERS.chat);
  check(c.chat?.body, ['chat', 'body'], PLACEHOLDERS.chat);
  check(c.chat?.headers, ['chat', 'headers'], PLACEHOLDERS.chat);
  check(c.chat?.path, ['chat', 'path'], PLACEHOLDERS.chat);
  check(c.app.env, ['app', 'env'], PLACEHOLDERS.app);
  check(c.app.command, ['app', 'command'], PLACEHOLDERS.app);
  for (const [name, s] of Object.entries(c.services ?? {}))
    check(s, ['services', name], PLACEHOLDERS.service);
  return problems;
}

function reply(r: NonNullable<ConfigFile['chat']>['reply']): ReplySpec {
  if (r === undefined) return { kind: 'json', path: '$.answer' };
  if (typeof r === 'string') return r === 'text' ? { kind: 'text' } : { kind: 'json', path: r };
  if ('json' in r) return { kind: 'json', path: r.json };
  if ('sse' in r) return { kind: 'sse', path: r.sse, done: r.done ?? '[DONE]' };
  return { kind: 'text' };
}

function readySpec(r: { http?: string; log?: string } | undefined, at: SourceLocation): ReadySpec {
  return { ...(r?.http ? { http: r.http } : {}), ...(r?.log ? { log: createMatcher(r.log, at) } : {}) };
}

function serviceEnv(
  env: string | Record<string, string> | undefined,
  fallback: string,
): Record<string, string> {
  if (env === undefined) return { [fallback]: '{{url}}' };
  if (typeof env === 'string') return { [env]: '{{url}}' };
  return env;
}

function resolveConfig(
  c: ConfigFile,
  file: string | undefined,
  at: (p: PropertyKey[]) => SourceLocation,
  env: NodeJS.ProcessEnv,
  rootOverride?: string,
): ResolvedConfig {
  const root = rootOverride ?? path.dirname(path.resolve(file ?? '.'));
  const services: ServiceSpec[] = Object.entries(c.services ?? {}).map(([name, s]): ServiceSpec => {
    const bootTimeoutMs =
      'boot_timeout' in s && s.boot_timeout ? parseDuration(s.boot_timeout) : DEFAULTS.bootTimeoutMs;
    if ('redis' in s) {
      return {
        name,
        kind: 'container',
        flavor: 'redis',
        image: s.redis.image ?? env.AMNESIA_REDIS_IMAGE ?? DEFAULTS.images.redis,
        command: ['redis-server', '--port', '{{port}}', '--bind', '127.0.0.1'],
        containerEnv: {},
        url: 'redis://127.0.0.1:{{port}}',
        env: serviceEnv(s.env, 'REDIS_URL'),
        bootTimeoutMs,
      };
    }
    if ('postgres' in s && s.postgres !== 'embedded' && s.postgres !== 'pglite') {
      return {
        name,
        kind: 'container',
        flavor: 'postgres',
        image: s.postgres.image ?? env.AMNESIA_POSTGRES_IMAGE ?? DEFAULTS.images.postgres,
        command: ['postgres', '-p', '{{port}}', '-c', 'listen_addresses=127.0.0.1'],
        containerEnv: { POSTGRES_HOST_AUTH_METHOD: 'trust' },
        url: 'postgresql://postgres@127.0.0.1:{{port}}/postgres',
        env: serviceEnv(s.env, 'DATABASE_URL'),
        bootTimeoutMs,
      };
    }
    if ('container' in s) {
      return {
        name,
        kind: 'container',
        flavor: 'generic',
        image: s.container.image,
        ...(s.container.command ? { command: s.container.command } : {}),
        containerEnv: s.container.env ?? {},
        ...(s.container.ready
          ? { ready: readySpec(s.container.ready, at(['services', name, 'container', 'ready', 'log'])) }
          : {}),
        url: s.url ?? '127.0.0.1:{{port}}',
        env: serviceEnv(s.env, `${name.toUpperCase()}_URL`),
        bootTimeoutMs,
      };
    }
    if ('postgres' in s) {
      return {
        name,
        kind: 'embedded-postgres',
        engine: s.postgres === 'pglite' ? 'pglite' : 'postgres',
        env: serviceEnv(s.env, 'DATABASE_URL'),
        bootTimeoutMs: s.boot_timeout ? parseDuration(s.boot_timeout) : DEFAULTS.bootTimeoutMs,
      };
    }
    if ('command' in s) {
      return {
        name,
        kind: 'command',
        command: s.command,
        ...(s.cwd ? { cwd: path.resolve(root, s.cwd) } : {}),
        ...(s.ready ? { ready: readySpec(s.ready, at(['services', name, 'ready', 'log'])) } : {}),
        ...(s.url ? { url: s.url } : {}),
        env: serviceEnv(s.env, `${name.toUpperCase()}_URL`),
        bootTimeoutMs: s.boot_timeout ? parseDuration(s.boot_timeout) : DEFAULTS.bootTimeoutMs,
      };
    }
    return { name, kind: 'url', url: s.url, env: serviceEnv(s.env, `${name.toUpperCase()}_URL`) };
  });
  const ready = c.app.ready ?? { http: '/healthz' };
  const resolved: ResolvedConfig = {
    file: file ? path.resolve(file) : undefined,
    root,
    app: {
      command: c.app.command,
      cwd: path.resolve(root, c.app.cwd ?? '.'),
      env: c.app.env ?? {},
      portEnv: c.app.port_env ?? DEFAULTS.portEnv,
      ready: readySpec(ready, at(['app', 'ready', 'log'])),
      bootTimeoutMs: c.app.boot_timeout ? parseDuration(c.app.boot_timeout) : DEFAULTS.bootTimeoutMs,
      stopGraceMs: c.app.stop_grace ? parseDuration(c.app.stop_grace) : DEFAULTS.stopGraceMs,
      isolation: c.app.isolation ?? 'auto',
      link: c.app.link ?? [...DEFAULTS.link],
      runtime: c.app.runtime ?? 'process',
      compileCache: c.app.compile_cache ?? runsNode(c.app.command),
      container: {
        ...(c.app.image ? { image: c.app.image } : {}),
        ...(c.app.build
          ? {
              build:
                typeof c.app.build === 'string'
                  ? { context: path.resolve(root, c.app.build), args: {} }
                  : {
                      context: path.resolve(root, c.app.build.context),
                      ...(c.app.build.dockerfile ? { dockerfile: c.app.build.dockerfile } : {}),
                      args: c.app.build.args ?? {},
                    },
            }
          : {}),
        ...(c.app.volume ? { volume: c.app.volume } : {}),
        network: c.app.network ?? 'host',
      },
    },
    chat: {
      method: c.chat?.method ?? 'POST',
      path: c.chat?.path ?? '/chat',
      headers: c.chat?.headers ?? {},
      ...(c.chat?.body !== undefined
        ? { body: c.chat.body }
        : { json: c.chat?.json ?? { session_id: '{{session}}', message: '{{message}}' } }),
      reply: reply(c.chat?.reply),
      timeoutMs: c.chat?.timeout ? parseDuration(c.chat.timeout) : DEFAULTS.turnTimeoutMs,
      maxReplyBytes: c.chat?.max_reply ? parseSize(c.chat.max_reply) : DEFAULTS.maxReplyBytes,
    },
    topology: { ...DEFAULTS.topology, ...(c.topology ? resolveTopology(c.topology) : {}) },
    routing: c.routing ?? DEFAULTS.routing,
    ...(c.seed !== undefined ? { seed: c.seed } : {}),
    scenarios:
      c.scenarios === undefined
        ? [...DEFAULTS.scenarios]
        : Array.isArray(c.scenarios)
          ? c.scenarios
          : [c.scenarios],
    services,
    llm: {
      baseUrlEnv: c.llm?.base_url_env ?? DEFAULTS.baseUrlEnv,
      apiKeyEnv: c.llm?.api_key_env ?? DEFAULTS.apiKeyEnv,
      maxRequestBytes: c.llm?.max_request ? parseSize(c.llm.max_request) : DEFAULTS.maxRequestBytes,
      ...(c.llm?.handlers ? { handlers: path.resolve(root, c.llm.handlers) } : {}),
    },
    probe: {
      say: c.probe?.say ?? DEFAULTS.probe.say,
      ask: c.probe?.ask ?? DEFAULTS.probe.ask,
      longTerm: c.probe?.long_term ?? false,
      fillers: c.probe?.fillers ?? DEFAULTS.probe.fillers,
    },
    load: {
      sessions: c.load?.sessions ?? DEFAULTS.load.sessions,
      turns: c.load?.turns ?? DEFAULTS.load.turns,
      concurrency: c.load?.concurrency ?? DEFAULTS.load.concurrency,
      ...(c.load?.scenario ? { scenario: path.resolve(root, c.load.scenario) } : {}),
      maxFailed:
        c.load?.max_failed === undefined
          ? { turns: 0 }
          : (parseFailedShare(c.load.max_failed) ?? { turns: 0 }),
    },
    dataDirEnv: c.data_dir_env ?? DEFAULTS.dataDirEnv,
    passEnv: c.pass_env ?? [],
    cleanEnv: c.clean_env ?? false,
  };
  return deepFreeze(resolved);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
