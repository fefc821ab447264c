import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/index.ts';
import { inheritedEnvironment, looksLikeCredential } from '../../src/topology/environment.ts';
import { masker, secretValues } from '../../src/topology/mask.ts';
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

  it('clean_env: only PATH, HOME, the locale and the like, and what pass_env names', () => {
    const { env, withheld, inherited } = inheritedEnvironment(
      {
        PATH: '/bin',
        HOME: '/root',
        LANG: 'C.UTF-8',
        LC_ALL: 'C',
        TMPDIR: '/tmp',
        NODE_ENV: 'test',
        OPENAI_API_KEY: 'sk-1',
        MY_TOKEN: 't',
        EXTRA: 'x',
      },
      ['MY_TOKEN'],
      true,
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/root',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      TMPDIR: '/tmp',
      MY_TOKEN: 't',
    });
    expect(withheld).toEqual(['OPENAI_API_KEY']);
    expect(inherited).toEqual(['HOME', 'LANG', 'LC_ALL', 'MY_TOKEN', 'PATH', 'TMPDIR']);
  });

  it('finds the secrets of an environment: credential-named values and URL credentials', () => {
    const env = {
      DATABASE_URL: 'postgres://app:hunter2@db:5432/chat',
      REDIS_URL: 'redis://:s3cr%40t@cache:6379',
      MIRROR: 'https://x-access-token:ghp_abcdef123456@github.com/acme/x.git',
      EMBEDDED: 'postgres://postgres@127.0.0.1:5432/postgres',
      PG_DEFAULT: 'postgres://postgres:postgres@localhost/db',
      MY_TOKEN: 'tok-123456',
      SHORT_TOKEN: 'abc',
      HOME: '/root',
    };
    expect(secretValues(env).sort()).toEqual(
      ['ghp_abcdef123456', 'hunter2', 's3cr%40t', 's3cr@t', 'tok-123456'].sort(),
    );
    const mask = masker(secretValues(env));
    expect(mask('connecting to postgres://app:hunter2@db:5432/chat as app (hunter2)')).toBe(
      'connecting to postgres://app:***@db:5432/chat as app (***)',
    );
    // A URL's password is masked even when amnesia did not know it, and a default one only inside URLs.
    expect(mask('postgres://postgres:postgres@localhost/db; mysql://u:pw12@h/x; postgres is up')).toBe(
      'postgres://postgres:***@localhost/db; mysql://u:***@h/x; postgres is up',
    );
    // A user name alone is no secret; neither is an address.
    expect(mask('see https://example.com/a@b, postgres://postgres@127.0.0.1/db and user@example.com')).toBe(
      'see https://example.com/a@b, postgres://postgres@127.0.0.1/db and user@example.com',
    );
  });

  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ['ANTHROPIC_API_KEY', 'AMNESIA_TEST_TOKEN', 'AMNESIA_TEST_PASSED_TOKEN', 'DATABASE_URL'])
      delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('workers never see a credential unless the config passes it; what they get is masked in their logs; the artifacts list the names withheld', async () => {
    process.env.ANTHROPIC_API_KEY = 'sk-ant-do-not-leak';
    process.env.DATABASE_URL = 'postgres://app:hunter2@127.0.0.1:5432/chat';
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
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, for the app's shell
      'command: env; echo "pw ${DATABASE_URL#postgres://app:}"; exec node server.ts',
    );
    writeFileSync(config, text);
    const result = await run({ cwd: project.dir, probe: 'never' });
    const s = result.scenarios[0];
    expect(s?.status).toBe('failed');
    const log = readFileSync(path.join(s?.artifactsDir ?? '', 'logs', 'r1w1.1.log'), 'utf8');
    // Passed, and still never written: its value is a secret.
    expect(log).toContain('AMNESIA_TEST_PASSED_TOKEN=***');
    expect(log).not.toContain('passed-on-purpose');
    expect(log).toContain('DATABASE_URL=postgres://app:***@127.0.0.1:5432/chat');
    expect(log).toContain('pw ***@127.0.0.1:5432/chat');
    expect(log).not.toContain('hunter2');
    expect(log).toMatch(/^PATH=/m);
    expect(log).not.toContain('do-not-leak');
    // Each provider's SDK finds the worker's own mock LLM: Anthropic's URL is OpenAI's without /v1.
    const openai = /^OPENAI_BASE_URL=(.*)$/m.exec(log)?.[1];
    expect(openai).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*\/r1w1\/v1$/);
    expect(log).toContain(`ANTHROPIC_BASE_URL=${openai?.replace(/\/v1$/, '')}\n`);
    // The SDK needs a key: amnesia gives one (credential-named, so its log shows it masked).
    expect(log).toContain('ANTHROPIC_API_KEY=***');
    const listed = JSON.parse(readFileSync(path.join(s?.artifactsDir ?? '', 'environment.json'), 'utf8'));
    expect(listed.withheld).toEqual(expect.arrayContaining(['AMNESIA_TEST_TOKEN', 'ANTHROPIC_API_KEY']));
    expect(listed.passed).toEqual(['AMNESIA_TEST_PASSED_TOKEN']);
    expect(JSON.stringify(listed)).not.toContain('do-not-leak');
  });

  it('with clean_env: true, workers get only the basics, pass_env, app.env and amnesia’s own variables', async () => {
    process.env.AMNESIA_TEST_TOKEN = 'passed-on-purpose';
    process.env.AMNESIA_TEST_NOISE = 'not-for-the-app';
    await using project = await basicProject(
      'global',
      {
        'scenarios/s.yaml':
          'name: env\ntopology: { replicas: 1, workers: 2 }\nsteps:\n  - user: My name is Ada.\n  - user: What is my name?\n    expect: { recall: [Ada] }\n',
      },
      { env: { FROM_CONFIG: 'named' }, top: 'clean_env: true\npass_env: [AMNESIA_TEST_TOKEN]\n' },
    );
    const config = path.join(project.dir, 'amnesia.config.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('command: node server.ts', 'command: env; exec node server.ts'),
    );
    const result = await run({ cwd: project.dir, probe: 'never' });
    const s = result.scenarios[0];
    expect(s?.status).toBe('failed');
    const log = readFileSync(path.join(s?.artifactsDir ?? '', 'logs', 'r1w1.1.log'), 'utf8');
    const names = log.split('\n').flatMap((l) => /^([A-Za-z_]\w*)=/.exec(l)?.[1] ?? []);
    expect(names).not.toContain('AMNESIA_TEST_NOISE');
    expect(names).toEqual(
      expect.arrayContaining([
        'PATH',
        'HOME',
        'TMPDIR',
        'AMNESIA_TEST_TOKEN',
        'FROM_CONFIG',
        'OPENAI_BASE_URL',
        'PORT',
        'AMNESIA_DATA_DIR',
      ]),
    );
    const listed = JSON.parse(readFileSync(path.join(s?.artifactsDir ?? '', 'environment.json'), 'utf8'));
    expect(listed.clean).toBe(true);
    expect(listed.inherited).toContain('PATH');
    expect(listed.inherited).not.toContain('AMNESIA_TEST_NOISE');
    delete process.env.AMNESIA_TEST_NOISE;
  });
});
