import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const STARTER_CONFIG = `# yaml-language-server: $schema=./node_modules/amnesia/amnesia.config.schema.json
# How amnesia starts your chat app and talks to it. Reference: README.md of amnesia.
app:
  command: node server.js        # starts ONE worker; amnesia starts replicas × workers of them
  port_env: PORT                 # amnesia gives each worker a free port in this variable
  ready: { http: /healthz }      # or { log: "listening" }
  boot_timeout: 30s
chat:
  method: POST
  path: /chat
  json: { session_id: "{{session}}", message: "{{message}}" }
  reply: $.answer                # where the answer is in the response (or: text, or { sse: $.delta })
topology: { replicas: 2, workers: 2 }
routing: spread
# services:
#   db: { postgres: embedded, env: DATABASE_URL }   # PostgreSQL (PGlite) on loopback, nothing to install
`;

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

/** Write a starter config and scenario; never overwrite without `force`. Returns the files written. */
export async function init(cwd: string, force: boolean): Promise<{ written: string[]; skipped: string[] }> {
  const files: [string, string][] = [
    ['amnesia.config.yaml', STARTER_CONFIG],
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
  return { written, skipped };
}
