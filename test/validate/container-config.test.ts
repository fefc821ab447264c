import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { formatProblem, InvalidInputError } from '../../src/errors.ts';
import { load } from '../../src/validate.ts';
import { tempFiles } from '../helpers/files.ts';

const SCENARIO = 'name: s\nsteps:\n  - user: hi\n';

async function configProblems(config: string): Promise<string[]> {
  await using tmp = await tempFiles({ 'amnesia.config.yaml': config, 'scenarios/s.yaml': SCENARIO });
  const { problems } = await load({ cwd: tmp.dir });
  return problems.map(formatProblem);
}

describe('container config', () => {
  it('resolves the container runtime, a build context relative to the file, and container services', async () => {
    await using tmp = await tempFiles({
      'amnesia.config.yaml': `app:
  command: node server.js
  runtime: container
  build: { context: app, args: { BASE: node:24 } }
  volume: /data
services:
  cache: { redis: {} }
  db: { postgres: { image: my/postgres:16 } }
  search: { container: { image: search:1, command: [serve, --port, "{{port}}"] }, url: "http://127.0.0.1:{{port}}", env: SEARCH_URL }
`,
    });
    const config = await loadConfig(`${tmp.dir}/amnesia.config.yaml`, {
      AMNESIA_REDIS_IMAGE: 'local/redis:7',
    });
    expect(config.app.runtime).toBe('container');
    expect(config.app.container).toEqual({
      build: { context: `${tmp.dir}/app`, args: { BASE: 'node:24' } },
      volume: '/data',
      network: 'host',
    });
    expect(
      config.services.map((s) => (s.kind === 'container' ? [s.name, s.flavor, s.image, s.env] : [])),
    ).toEqual([
      ['cache', 'redis', 'local/redis:7', { REDIS_URL: '{{url}}' }],
      ['db', 'postgres', 'my/postgres:16', { DATABASE_URL: '{{url}}' }],
      ['search', 'generic', 'search:1', { SEARCH_URL: '{{url}}' }],
    ]);
  });

  it('defaults service images to the public ones when no env override is set', async () => {
    await using tmp = await tempFiles({
      'amnesia.config.yaml':
        'app: { command: x }\nservices:\n  cache: { redis: {} }\n  db: { postgres: {} }\n',
    });
    const config = await loadConfig(`${tmp.dir}/amnesia.config.yaml`, {});
    expect(config.services.map((s) => (s.kind === 'container' ? s.image : ''))).toEqual([
      'redis:7',
      'postgres:16',
    ]);
  });

  it('reports the container runtime without an image, an image and a build together, and another network', async () => {
    expect(await configProblems('app: { command: x, runtime: container }\n')).toEqual([
      expect.stringMatching(
        /^amnesia\.config\.yaml:1:6 app: the container runtime needs `image: <name>` or `build: <Dockerfile folder>`/,
      ),
    ]);
    expect(await configProblems('app: { command: x, image: a, build: b }\n')).toEqual([
      expect.stringMatching(/app: give `image` or `build`, not both/),
    ]);
    expect(await configProblems('app: { command: x, image: a, network: bridge }\n')).toEqual([
      expect.stringMatching(/app\.network: only `host` so far/),
    ]);
  });

  it('--runtime container without an image is bad input', async () => {
    await using tmp = await tempFiles({
      'amnesia.config.yaml': 'app: { command: x }\n',
      'scenarios/s.yaml': SCENARIO,
    });
    const { run } = await import('../../src/index.ts');
    const failed = await run({ cwd: tmp.dir, runtime: 'container' }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(InvalidInputError);
    expect(String(failed)).toMatch(/needs the image each replica runs/);
  });
});

describe('service fault steps and expect.error', () => {
  async function scenarioProblems(steps: string): Promise<string[]> {
    await using tmp = await tempFiles({
      'amnesia.config.yaml': 'app: { command: x }\nservices:\n  cache: { redis: {} }\n',
      'scenarios/s.yaml': `name: s\nsteps:\n  - user: My name is Ada.\n${steps}`,
    });
    const { problems } = await load({ cwd: tmp.dir });
    return problems.map(formatProblem);
  }

  it('accepts restart_service, outage and wipe_service on a service amnesia runs, and a turn that must fail', async () => {
    expect(
      await scenarioProblems(
        '  - restart_service: cache\n  - restart_service: { service: cache, grace: 1s }\n  - outage: { service: cache, for: 2s }\n  - user: Hello?\n    expect: { error: true }\n  - wipe_service: cache\n',
      ),
    ).toEqual([]);
  });

  it('reports an outage without a duration and a turn that must fail and recall', async () => {
    expect(
      await scenarioProblems(
        '  - outage: { service: cache }\n  - user: What is my name?\n    expect: { error: true, recall: [Ada] }\n',
      ),
    ).toEqual([
      expect.stringMatching(/steps\[1\]\.outage\.for: /),
      expect.stringMatching(/steps\[2\]\.expect: a turn that must fail has no answer to check/),
    ]);
  });
});
