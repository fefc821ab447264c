import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { inheritedEnvironment, looksLikeCredential } from '../../src/topology/environment.ts';
import { basicProject } from '../helpers/basic-app.ts';

describe('what the app under test inherits of amnesia’s environment', () => {
  it.each([
    ['ANTHROPIC_API_KEY', true],
    ['AZURE_OPENAI_ENDPOINT', true],
    ['AWS_SECRET_ACCESS_KEY', true],
    ['GITHUB_TOKEN', true],
    ['MY_DB_PASSWORD', true],
    ['STRIPE_SECRET', true],
    ['PATH', false],
    ['LANG', false],
    ['VIRTUAL_ENV', false],
    ['SSL_CERT_FILE', false],
    ['NODE_OPTIONS', false],
  ])('%s looks like a credential: %s', (name, credential) => {
    expect(looksLikeCredential(name)).toBe(credential);
  });

  it('keeps everything else, and what pass_env names', () => {
    const { env, withheld } = inheritedEnvironment(
      { PATH: '/bin', OPENAI_API_KEY: 'sk-1', MY_TOKEN: 't', HOME: '/root' },
      ['MY_TOKEN'],
    );
    expect(env).toEqual({ PATH: '/bin', MY_TOKEN: 't', HOME: '/root' });
    expect(withheld).toEqual(['OPENAI_API_KEY']);
  });

  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ['ANTHROPIC_API_KEY', 'AMNESIA_TEST_TOKEN', 'AMNESIA_TEST_PASSED_TOKEN'])
      delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('workers never see a credential unless the config passes it; the artifacts list the names withheld', async () => {
    process.env.ANTHROPIC_API_KEY = 'sk-ant-do-not-leak';
    process.env.AMNESIA_TEST_TOKEN = 'token-do-not-leak';
    process.env.AMNESIA_TEST_PASSED_TOKEN = 'passed-on-purpose';
    await using project = await basicProject(
      'global',
      {
        'scenarios/s.yaml':
          'name: env\ntopology: { replicas: 1, workers: 2 }\nsteps:\n  - user: My name is Ada.\n  - user: What is my name?\n    expect: { recall: [Ada] }\n',
      },
      { top: 'pass_env: [AMNESIA_TEST_PASSED_TOKEN]\n' },
    );
    // The app prints its whole environment at boot: the log is kept with the failed scenario's artifacts.
    const config = path.join(project.dir, 'amnesia.config.yaml');
    const text = readFileSync(config, 'utf8').replace(
      'command: node server.ts',
      'command: env; exec node server.ts',
    );
    writeFileSync(config, text);
    const result = await run({ cwd: project.dir, probe: 'never' });
    const s = result.scenarios[0];
    expect(s?.status).toBe('failed');
    const log = readFileSync(path.join(s?.artifactsDir ?? '', 'logs', 'r1w1.1.log'), 'utf8');
    expect(log).toContain('AMNESIA_TEST_PASSED_TOKEN=passed-on-purpose');
    expect(log).toMatch(/^PATH=/m);
    expect(log).not.toContain('do-not-leak');
    // Each provider's SDK finds the worker's own mock LLM: Anthropic's URL is OpenAI's without /v1.
    const openai = /^OPENAI_BASE_URL=(.*)$/m.exec(log)?.[1];
    expect(openai).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*\/r1w1\/v1$/);
    expect(log).toContain(`ANTHROPIC_BASE_URL=${openai?.replace(/\/v1$/, '')}\n`);
    expect(log).toContain('ANTHROPIC_API_KEY=amnesia-mock-key');
    const listed = JSON.parse(readFileSync(path.join(s?.artifactsDir ?? '', 'environment.json'), 'utf8'));
    expect(listed.withheld).toEqual(expect.arrayContaining(['AMNESIA_TEST_TOKEN', 'ANTHROPIC_API_KEY']));
    expect(listed.passed).toEqual(['AMNESIA_TEST_PASSED_TOKEN']);
    expect(JSON.stringify(listed)).not.toContain('do-not-leak');
  });
});
