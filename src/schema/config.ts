import { z } from 'zod';
import { count, duration, LIMITS, routing, seed, textOrRegex, topology } from './primitives.ts';

const envName = z
  .string({ error: 'expected an environment variable name' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    error: 'an environment variable name is letters, digits and `_`, e.g. `DATABASE_URL`',
  });

const envMap = z.record(envName, z.string({ error: 'an environment value is a text (quote numbers)' }), {
  error: 'expected a map of NAME: value',
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
    command: z
      .union([z.string().min(1), z.array(z.string()).min(1)], {
        error: 'expected the command that starts one worker, e.g. `node server.js`',
      })
      .describe(
        "Starts one worker. A text runs through /bin/sh; a list runs without a shell. Placeholders: {{port}}, {{replica}}, {{worker}}, {{data_dir}}, and the worker's own mock LLM: {{llm_base_url}} (…/v1, what $OPENAI_BASE_URL holds) and {{llm_chat_url}} ({{llm_base_url}}/chat/completions).",
      ),
    cwd: z
      .string()
      .optional()
      .describe('The app folder, relative to this config file (default: the config file folder).'),
    env: envMap
      .optional()
      .describe(
        "Extra environment for every worker. Placeholders: {{replica}}, {{worker}}, {{port}}, {{data_dir}}, and the worker's own mock LLM: {{llm_base_url}} (…/v1, what $OPENAI_BASE_URL holds) and {{llm_chat_url}} ({{llm_base_url}}/chat/completions), for an app that wants a full URL or its own variable name.",
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
  })
  .describe('How to start the app under test.');

const replyShape = z
  .union(
    [
      z.string().regex(/^(text|\$.*)$/, {
        error: 'expected a JSON path such as `$.answer`, or `text` for the whole body',
      }),
      z.strictObject({ json: z.string().regex(/^\$/, { error: 'a JSON path starts with `$`' }) }),
      z.strictObject({ text: z.literal(true) }),
      z.strictObject({
        sse: z
          .string()
          .regex(/^\$/, { error: 'a JSON path starts with `$`' })
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
    method: z.enum(['POST', 'PUT', 'GET', 'PATCH'], { error: 'expected POST, PUT, GET or PATCH' }).optional(),
    path: z
      .string()
      .regex(/^\//, { error: 'the chat path starts with `/`, e.g. `/chat`' })
      .optional()
      .describe(
        'Default /chat. Placeholders {{session}} and {{message}} work here (percent-encoded); messages show the path as sent.',
      ),
    headers: z
      .record(z.string(), z.string())
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
      .describe('A raw text body instead of json; placeholders {{session}} and {{message}} work here.'),
    reply: replyShape.optional(),
    timeout: duration('timeout', LIMITS.turnTimeoutMs).optional().describe('Per-turn timeout (default 30s).'),
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

const embeddedPostgres = z
  .strictObject({
    postgres: z.literal('embedded', {
      error: 'the only built-in PostgreSQL is `embedded` (PGlite); use `url:` or `command:` for others',
    }),
    env: serviceEnv.optional().describe('Default DATABASE_URL.'),
    boot_timeout: duration('boot_timeout', LIMITS.bootTimeoutMs).optional(),
  })
  .describe('PostgreSQL compiled to WASM (PGlite) served on loopback: nothing to install.');

const commandService = z
  .strictObject({
    command: z.union([z.string().min(1), z.array(z.string()).min(1)], {
      error: 'expected the command that starts the service',
    }),
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
  postgres: embeddedPostgres,
  command: commandService,
  url: urlService,
} as const;

const service = z.union([embeddedPostgres, commandService, urlService], {
  error: 'a service is `postgres: embedded`, a `command:`, or a `url:`',
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
      })
      .optional()
      .describe('The mock LLM amnesia serves on loopback.'),
    probe: z
      .strictObject({
        say: z
          .string()
          .regex(/\{\{canary\}\}/, { error: 'must contain {{canary}}' })
          .optional(),
        ask: z.string().optional(),
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
    data_dir_env: envName
      .optional()
      .describe('The variable that names the replica data dir (default AMNESIA_DATA_DIR).'),
  })
  .describe(
    'amnesia.config.yaml: how to start and talk to the app under test, and the defaults for every scenario.',
  );

export type ConfigFile = z.infer<typeof configFile>;
