import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { renderSummary, run } from '../../src/index.ts';
import { basicProject } from '../helpers/basic-app.ts';

const exec = promisify(execFile);

const scenario = `name: forged
steps:
  - user: My name is Ada.
    on: r1w1
  - user: What is my name?
    on: r1w2
    expect: { recall: [Ada] }
`;

/**
 * Another local process that knows the scenario and worker (a guess from the scenario's name) and
 * the port (from `ss`), but not the run's key: it posts the fact the app forgot to the worker's
 * route while the app's own request is in flight.
 */
async function forge(url: string): Promise<number> {
  const { origin, pathname } = new URL(url);
  const target = `${origin}${pathname.replace(/^\/k\/[^/]*/, '')}`;
  const body = JSON.stringify({ messages: [{ role: 'user', content: 'My name is Ada.' }] });
  const { stdout } = await exec(process.execPath, [
    '-e',
    `fetch(${JSON.stringify(target)}, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forged': '1' }, body: ${JSON.stringify(body)} }).then((r) => console.log(r.status))`,
  ]);
  return Number(stdout.trim());
}

describe('requests without the run’s key', () => {
  it('a forged request on a worker’s route, sent while its turn is in flight, changes no verdict and is reported', async () => {
    await using project = await basicProject('global', { 'scenarios/forged.yaml': scenario });
    const statuses: number[] = [];
    const forger = http.post('*/chat/completions', async ({ request }) => {
      if (!request.headers.has('x-forged')) statuses.push(await forge(request.url));
      return undefined; // the defaults answer the app
    });
    const result = await run({ cwd: project.dir, llmHandlers: [forger], probe: 'never' });
    const s = result.scenarios[0];
    // Forged during the controls (would be a vacuous recall) and during the turns (would recall Ada).
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    expect(new Set(statuses)).toEqual(new Set([404]));
    expect(s?.status).toBe('failed');
    expect(s?.vacuous).toEqual([]);
    expect(result.exitCode).toBe(1);
    const note = `${statuses.length} requests to the mock LLM without the run's key were refused (another process posting to this scenario's URLs; never attributed to a turn)`;
    expect(s?.notes).toEqual([note]);
    expect(renderSummary(result, { color: false })).toContain(`note  forged: ${note}`);
    // Neither the result nor any artifact (evidence, request log, worker logs, replay.sh,
    // environment.json) holds the key.
    const key = /\/k\/[A-Za-z0-9_-]{22}/;
    expect(JSON.stringify(result)).not.toMatch(key);
    const dir = s?.artifactsDir ?? '';
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.map((e) => e.name)).toEqual(
      expect.arrayContaining(['evidence.json', 'llm-requests.jsonl', 'replay.sh', 'environment.json']),
    );
    for (const e of files) expect(readFileSync(path.join(e.parentPath, e.name), 'utf8')).not.toMatch(key);
  });
});
