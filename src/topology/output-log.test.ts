import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type OutputCut, OutputLog, outputCutText } from './output-log.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function logOf(
  write: (out: PassThrough) => void,
  limits = { headBytes: 1000, tailBytes: 500, lineChars: 100 },
) {
  const dir = await mkdtemp(path.join(tmpdir(), 'amnesia-output-'));
  dirs.push(dir);
  const file = path.join(dir, 'w.log');
  const cuts: OutputCut[] = [];
  const log = new OutputLog(file, { limits, onCut: (c) => cuts.push(c) });
  const lines: string[] = [];
  log.onLine((l) => lines.push(l));
  const out = new PassThrough();
  log.follow(out, 'stdout');
  const ended = new Promise((resolve) => out.on('end', resolve));
  write(out);
  out.end();
  await ended;
  await log.close();
  return { file, text: readFileSync(file, 'utf8'), cuts, lines, tail: log.tail(3) };
}

describe('OutputLog', () => {
  it('keeps everything when the output is small', async () => {
    const { text, cuts } = await logOf((out) => out.write('a\nb\n'));
    expect(text).toBe('a\nb\n');
    expect(cuts).toEqual([]);
  });

  it('keeps the head and the tail of a flood, and says how much was dropped between', async () => {
    const { file, text, cuts, tail } = await logOf((out) => {
      for (let i = 1; i <= 10_000; i++) out.write(`line ${i}\n`);
    });
    expect(text.startsWith('line 1\nline 2\n')).toBe(true);
    expect(text.endsWith('line 9999\nline 10000\n')).toBe(true);
    expect(statSync(file).size).toBeLessThan(1000 + 500 + 200);
    const [cut] = cuts;
    expect(cut?.droppedLines).toBeGreaterThan(9000);
    expect(text).toContain(`── amnesia: ${outputCutText(cut as OutputCut).split(' (')[0]} of output (`);
    expect(outputCutText(cut as OutputCut)).toMatch(
      /^\d+(\.\d)? KiB \([\d,]+ lines\) dropped between the first 1000 B and the last 500 B it keeps$/,
    );
    expect(tail).toEqual(['line 9998', 'line 9999', 'line 10000']);
  });

  it('cuts a line that never ends, in memory too, and still reads what follows it', async () => {
    const { text, cuts, lines } = await logOf((out) => {
      for (let i = 0; i < 1000; i++) out.write('x'.repeat(1000));
      out.write('\nready\n');
    });
    expect(lines).toEqual([
      `${'x'.repeat(100)} … [amnesia: 999,900 more characters of this line dropped]`,
      'ready',
    ]);
    expect(text.endsWith('ready\n')).toBe(true);
    expect(outputCutText(cuts[0] as OutputCut)).toBe(
      '1 line longer than 100 characters cut (999,900 characters dropped)',
    );
  });

  it('loses no line of 2 MB written faster than the file takes it (the pipe waits)', async () => {
    const { text } = await logOf(
      (out) => {
        for (let i = 0; i < 2000; i++) out.write(`${'y'.repeat(1000)}\n`);
      },
      { headBytes: 4 * 2 ** 20, tailBytes: 2 ** 20, lineChars: 64 * 1024 },
    );
    expect(text.split('\n')).toHaveLength(2001);
  });
});

describe('OutputLog hidden texts', () => {
  it('writes a secret the process prints, and one in amnesia’s own notes, as <key>', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'amnesia-output-'));
    dirs.push(dir);
    const file = path.join(dir, 'w.log');
    const log = new OutputLog(file, { hidden: ['s3cr3t'] });
    const out = new PassThrough();
    log.follow(out, 'stdout');
    log.note('started: node app.js http://127.0.0.1:1/k/s3cr3t/v1');
    const ended = new Promise((resolve) => out.on('end', resolve));
    out.end('LLM at http://127.0.0.1:1/k/s3cr3t/s/a/w/r1w1/v1\n');
    await ended;
    await log.close();
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(
      '── amnesia: started: node app.js http://127.0.0.1:1/k/<key>/v1\nLLM at http://127.0.0.1:1/k/<key>/s/a/w/r1w1/v1\n',
    );
    expect(log.tail()).toEqual(['LLM at http://127.0.0.1:1/k/<key>/s/a/w/r1w1/v1']);
  });
});
