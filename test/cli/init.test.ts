import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCommand, init } from '../../src/cli/init.ts';
import { load } from '../../src/validate.ts';
import { REPO } from '../helpers/cli.ts';
import { tempFiles } from '../helpers/files.ts';

describe('amnesia init in a project that is not amnesia’s', () => {
  it.each([
    [{ 'package.json': '{"scripts":{"start":"node server.js"}}' }, 'node server.js'],
    [{ 'package.json': '{"scripts":{"start":"tsx watch src/app.ts && echo done"}}' }, 'npm start'],
    [{ 'package.json': '{"name":"x"}', 'index.js': '' }, 'node index.js'],
    [
      { 'requirements.txt': 'fastapi\nuvicorn[standard]\n', 'main.py': '' },
      'uvicorn main:app --host 127.0.0.1 --port $PORT',
    ],
    [
      { 'pyproject.toml': 'dependencies = ["flask", "gunicorn"]', 'app.py': '' },
      'gunicorn --bind 127.0.0.1:$PORT app:app',
    ],
    [{ 'server.py': '' }, 'python server.py'],
    [{ 'README.md': '' }, undefined],
  ])('takes the start command from %j: %s', async (files, command) => {
    await using tmp = await tempFiles(files);
    expect(detectCommand(tmp.dir).command).toBe(command);
  });

  it('writes a config that validates, with the detected command, and never overwrites without force', async () => {
    await using tmp = await tempFiles({
      'package.json': '{"scripts":{"start":"node app/server.js --port=$PORT"}}',
    });
    const first = await init(tmp.dir, false);
    expect(first.written).toEqual(['amnesia.config.yaml', path.join('scenarios', 'remembers-name.yaml')]);
    const config = await readFile(path.join(tmp.dir, 'amnesia.config.yaml'), 'utf8');
    expect(config).toContain('command: npm start   # from the start script in package.json (through npm)');
    expect(config).toMatch(
      /^# yaml-language-server: \$schema=\.\/node_modules\/amnesia\/amnesia\.config\.schema\.json$/m,
    );
    const loaded = await load({ cwd: tmp.dir });
    expect(loaded.problems).toEqual([]);
    expect(loaded.scenarios).toHaveLength(1);
    const again = await init(tmp.dir, false);
    expect(again.written).toEqual([]);
    expect(again.skipped).toHaveLength(2);
  });

  it('says what to fill in when it cannot tell how the app starts, and the config still validates', async () => {
    await using tmp = await tempFiles({});
    const { detected } = await init(tmp.dir, false);
    expect(detected.command).toBeUndefined();
    const config = await readFile(path.join(tmp.dir, 'amnesia.config.yaml'), 'utf8');
    expect(config).toContain('# FILL IN: the command that starts ONE worker of your chat app');
    expect((await load({ cwd: tmp.dir })).problems).toEqual([]);
  });

  it('its commented services example, uncommented, validates and spells each service as the config page does', async () => {
    await using tmp = await tempFiles({ 'package.json': '{"scripts":{"start":"node server.js"}}' });
    await init(tmp.dir, false);
    const file = path.join(tmp.dir, 'amnesia.config.yaml');
    const config = await readFile(file, 'utf8');
    const services = config.split('\n').filter((l) => /^# {0,3}(services|cache|db):/.test(l));
    expect(services.length).toBe(3);
    const uncommented = services.map((l) => l.replace(/^# /, '').replace(/\s+#.*$/, ''));
    await writeFile(file, `${config}\n${uncommented.join('\n')}\n`);
    const loaded = await load({ cwd: tmp.dir });
    expect(loaded.problems).toEqual([]);
    // The config page's first YAML block: the whole config, commented.
    const whole = await readFile(path.join(REPO, 'docs/reference/config.md'), 'utf8');
    const page = whole
      .slice(0, whole.indexOf('\n```\n', whole.indexOf('```yaml')))
      .replace(/\{\{\w+\}\}/g, 'X')
      .replace(/\s+/g, ' ');
    for (const line of uncommented.slice(1)) {
      const [, name, body] = /^\s*(\w+): (\{.*\})$/.exec(line) ?? [];
      // The config page's block has the same service, keys in the same order.
      const keys = [...(body ?? '').matchAll(/(\w+): /g)].map((m) => m[1]).join(' ');
      const there = new RegExp(`${name}: \\{ ?([^}]*)\\}`).exec(page)?.[1] ?? '';
      expect([...there.matchAll(/(\w+): /g)].map((m) => m[1]).join(' '), name).toBe(keys);
    }
  });
});
