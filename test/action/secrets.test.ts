import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactFiles, redactor, secretValues } from '../../action/secrets.ts';
import { tempFiles } from '../helpers/files.ts';

describe('secretValues', () => {
  it('takes the token and the values of variables named like secrets, not short or ordinary ones', () => {
    const env = {
      OPENAI_API_KEY: 'sk-proj-abcdef123456',
      DB_PASSWORD: 'hunter2hunter2',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
      SLACK_TOKEN: 'xoxb-123456',
      SHORT_TOKEN: 'abc',
      PATH: '/usr/bin:/bin',
      KEYBOARD: 'us-international',
      NODE_ENV: 'production',
    };
    expect(secretValues(env, 'ghs_token0123').sort()).toEqual(
      [
        'ghs_token0123',
        'sk-proj-abcdef123456',
        'hunter2hunter2',
        'wJalrXUtnFEMI/K7MDENG',
        'xoxb-123456',
      ].sort(),
    );
  });
});

describe('redactor', () => {
  const redact = redactor(['sk-"quoted"\\secret', 'hunter2hunter2']);

  it('masks a secret as written and as JSON escapes it', () => {
    expect(redact.text('key sk-"quoted"\\secret, json "sk-\\"quoted\\"\\\\secret"')).toBe(
      'key ***, json "***"',
    );
  });

  it('masks every string of plain data, keys too, and leaves the rest', () => {
    const data = {
      user: 'my password is hunter2hunter2',
      n: 3,
      ok: true,
      none: null,
      list: [{ hunter2hunter2: 'x' }],
    };
    expect(redact.value(data)).toEqual({
      user: 'my password is ***',
      n: 3,
      ok: true,
      none: null,
      list: [{ '***': 'x' }],
    });
    expect(data.user).toBe('my password is hunter2hunter2');
  });

  it('masks every file under a folder in place, and accepts a folder that does not exist', async () => {
    await using dir = await tempFiles({ 'a/logs/r1w1.log': 'boot hunter2hunter2\n', 'b.json': '{"ok":1}' });
    await redactFiles(dir.dir, redact);
    expect(await readFile(path.join(dir.dir, 'a/logs/r1w1.log'), 'utf8')).toBe('boot ***\n');
    expect(await readFile(path.join(dir.dir, 'b.json'), 'utf8')).toBe('{"ok":1}');
    await expect(redactFiles(path.join(dir.dir, 'missing'), redact)).resolves.toBeUndefined();
  });
});
