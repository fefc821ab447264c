import { z } from 'zod';
import { durationSetting } from '../util/duration.ts';
import { compileLinear, RegexSyntaxError } from '../util/linear-regex.ts';

/** `500ms`, `2s`, `1.5m`: durations are written with a unit so nobody guesses seconds vs milliseconds. */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m)$/;

export function duration(what: string, maxMs: number) {
  return z
    .string({ error: `${what} must be a duration such as \`500ms\`, \`2s\` or \`1m\`` })
    .regex(DURATION_PATTERN, { error: `${what} must be a number with a unit: \`500ms\`, \`2s\` or \`1m\`` })
    .refine((s) => !DURATION_PATTERN.test(s) || parseDuration(s) <= maxMs, {
      error: `${what} is longer than the limit of ${durationSetting(maxMs)}`,
    })
    .describe(`${what}: a number with a unit, \`ms\`, \`s\` or \`m\` (at most ${durationSetting(maxMs)}).`);
}

export function parseDuration(s: string): number {
  const m = DURATION_PATTERN.exec(s);
  if (!m) throw new Error(`not a duration: ${s}`);
  const n = Number(m[1]);
  return Math.round(m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000);
}

/** How many failed turns a load accepts: a whole number of turns (`3`) or a share of the turns sent (`0.5%`). */
export type FailedShare = { turns: number } | { percent: number };

export const FAILED_SHARE_PATTERN = /^(\d+(?:\.\d+)?)\s*%$|^(\d+)$/;

/** `0.5%` → `{ percent: 0.5 }`, `3` → `{ turns: 3 }`; undefined when it is neither (or above 100 %). */
export function parseFailedShare(text: string | number): FailedShare | undefined {
  const m = FAILED_SHARE_PATTERN.exec(String(text).trim());
  if (!m) return undefined;
  if (m[2] !== undefined) return { turns: Number(m[2]) };
  const percent = Number(m[1]);
  return percent <= 100 ? { percent } : undefined;
}

/** `512KiB`, `4MiB`, `1.5MB`: sizes are written with a unit. */
export const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(B|kB|KB|KiB|MB|MiB)$/;

export function size(what: string, maxBytes: number) {
  return z
    .string({ error: `${what} must be a size such as \`512KiB\` or \`4MiB\`` })
    .regex(SIZE_PATTERN, {
      error: `${what} must be a number with a unit: \`B\`, \`KiB\`, \`MiB\` (or kB, MB)`,
    })
    .refine((s) => !SIZE_PATTERN.test(s) || parseSize(s) <= maxBytes, {
      error: `${what} is larger than the limit of ${maxBytes / 2 ** 20} MiB`,
    })
    .describe(`${what}: a number with a unit, B, KiB or MiB (at most ${maxBytes / 2 ** 20} MiB).`);
}

export function parseSize(s: string): number {
  const m = SIZE_PATTERN.exec(s);
  if (!m) throw new Error(`not a size: ${s}`);
  const unit = { B: 1, kB: 1000, KB: 1000, KiB: 1024, MB: 1e6, MiB: 2 ** 20 }[m[2] as 'B'];
  return Math.round(Number(m[1]) * unit);
}

/** A count in [min, max], with an error that states the limit. */
export function count(what: string, min: number, max: number) {
  return z
    .int({ error: `${what} must be a whole number` })
    .min(min, { error: `${what} must be at least ${min}` })
    .max(max, { error: `${what} must be at most ${max}` });
}

/** `text` or `/regex/flags`. A regex must compile. */
export const REGEX_LITERAL = /^\/(.+)\/([dgimsuvy]*)$/s;

export const textOrRegex = z
  .string({ error: 'expected a text, or a /regular expression/' })
  .min(1, { error: 'must not be empty' })
  .superRefine((s, ctx) => {
    const m = REGEX_LITERAL.exec(s);
    if (!m) return;
    try {
      new RegExp(m[1] ?? '', (m[2] ?? '').replace(/[gy]/g, ''));
    } catch (e) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid regular expression ${s}: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}`,
      });
      return;
    }
    // Matched in linear time (RE2), so no pattern can freeze the run the way a backtracking
    // `(a|a)*c` does in JavaScript's engine; what RE2 cannot run is refused here, with why.
    try {
      compileLinear(m[1] ?? '', m[2] ?? '');
    } catch (e) {
      if (!(e instanceof RegexSyntaxError)) throw e;
      ctx.addIssue({
        code: 'custom',
        message: `${s} cannot be used${e.index >= 0 ? ` (at its character ${e.index + 2})` : ''}: ${e.message}`,
      });
    }
  })
  .describe(
    'A text that must appear as written, or a /regular expression/ with optional flags i, m, s (e.g. /ada/i), matched in linear time (RE2: no backreferences, no lookaround).',
  );

export const textOrRegexList = z.union([textOrRegex, z.array(textOrRegex).min(1)], {
  error: 'expected a text, a /regex/, or a list of them',
});

export const textList = z.union([z.string(), z.array(z.string()).min(1)], {
  error: 'expected a text or a list of texts',
});

/** Where a step runs or what a disruption hits: `all`, a replica `r2`, a worker `r2w1`. */
export const TARGET_PATTERN = /^(?:all|r([1-9]\d*)(?:w([1-9]\d*))?)$/;
export const target = z
  .string({ error: 'expected `all`, a replica such as `r2`, or a worker such as `r2w1`' })
  .regex(TARGET_PATTERN, { error: 'expected `all`, a replica such as `r2`, or a worker such as `r2w1`' });

export const LIMITS = {
  replicas: 16,
  workers: 16,
  processes: 64,
  waitMs: 10 * 60_000,
  turnTimeoutMs: 10 * 60_000,
  bootTimeoutMs: 10 * 60_000,
  fileBytes: 1024 * 1024,
  turnChars: 100_000,
  loadSessions: 100_000,
  loadTurns: 100,
  loadConcurrency: 1_000,
} as const;

export const topology = z
  .strictObject({
    replicas: count('replicas', 1, LIMITS.replicas)
      .optional()
      .describe('Hosts that share nothing (own disk, own RAM).'),
    workers: count('workers', 1, LIMITS.workers)
      .optional()
      .describe('Processes per replica: they share the replica disk, never RAM.'),
    serverless: z
      .union(
        [
          z.boolean(),
          z.strictObject({
            warm: z
              .number({ error: 'expected a probability from 0 to 1, e.g. 0.3' })
              .min(0, { error: 'warm is a probability: at least 0' })
              .max(1, { error: 'warm is a probability: at most 1' })
              .optional()
              .describe(
                "The probability (0–1, seeded by the run's seed) that a turn reuses its slot's previous instance, still warm, instead of a cold start (default 0).",
              ),
          }),
        ],
        { error: 'expected `true`, `false`, or `{ warm: 0.3 }`' },
      )
      .optional()
      .describe(
        'Serverless mode: every turn is served by a newly started process on a fresh copy of the app folder with a fresh TMPDIR (a cold start), or, with `warm`, sometimes by the previous one, as Lambda, Cloud Run or Vercel functions do. replicas × workers is then the number of instance slots.',
      ),
  })
  .refine((t) => (t.replicas ?? 1) * (t.workers ?? 1) <= LIMITS.processes, {
    error: `replicas × workers must be at most ${LIMITS.processes} processes`,
  })
  .describe('How many replicas (hosts) and workers (processes per replica) run the app.');

export const routing = z
  .enum(['spread', 'round-robin', 'random', 'sticky'], {
    error: 'expected one of `spread`, `round-robin`, `random`, `sticky`',
  })
  .describe(
    'Which worker gets each turn: spread (default: never the worker that served the previous turn), round-robin, random (seeded), sticky (session affinity).',
  );

export const seed = count('seed', 0, 2 ** 31 - 1).describe(
  'Seed for `random` routing; printed by every run.',
);

export const sessionName = z
  .string({ error: 'expected a session name' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
    error: 'a session name is letters, digits, `_`, `-` or `.` (at most 64), e.g. `alice`',
  });
