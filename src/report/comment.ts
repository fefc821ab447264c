import { z } from 'zod';
import type { RunResult, ScenarioResult, ScenarioStatus } from '../types/results.ts';
import { clip, plural } from '../util/text.ts';
import { diagnosisText } from './diagnosis.ts';
import { notPassing, totalsText } from './evidence.ts';
import { statusWord, whatFailed } from './markdown.ts';
import { mdCode, mdFence, mdText } from './md.ts';

/** What a PR comment remembers of its run, so the next run can say what changed. */
export interface CommentRecord {
  v: 1;
  /** Which suite the comment is about (one comment per key on a pull request): the config file. */
  key: string;
  commit?: string;
  /** Each scenario's status, by name. */
  statuses: Record<string, ScenarioStatus>;
}

/** What changed since the previous run, by scenario name. */
export interface SinceLastRun {
  newlyFailing: string[];
  fixed: string[];
  stillFailing: string[];
}

export interface CommentOptions {
  /** The suite (config file, repository-relative): the comment of another key is never touched. */
  key: string;
  /** The record of the comment this one replaces. */
  previous?: CommentRecord;
  /** The commit the run tested. */
  commit?: string;
  /** Where the full report is (the job summary). */
  reportUrl?: string;
  /** Paths under it are shown relative to it. */
  cwd?: string;
}

const PREFIX = '<!-- amnesia-report ';
const SUFFIX = ' -->';
const MAX_ROWS = 10;
/** What is left of a diagnosis cell for the finding, after the signature and the advice. */
const MAX_FINDING = 120;
const MAX_ERROR = 3000;
const MAX_NAMES = 10;

const recordShape = z.object({
  v: z.literal(1),
  key: z.string(),
  commit: z.string().optional(),
  statuses: z.record(z.string(), z.enum(['passed', 'failed', 'error', 'skipped'])),
});

const isBad = (s: ScenarioStatus | undefined) => s === 'failed' || s === 'error';

/**
 * A short PR comment: the verdict, what changed since the last run on this pull request, the
 * scenarios that did not pass with what failed first and the diagnosis, and a link to the job
 * summary that holds everything else. It ends with its record in an HTML comment (invisible when
 * rendered), which the next run finds by `readCommentRecord` and compares with.
 */
export function renderComment(r: RunResult, o: CommentOptions): string {
  const commit = o.commit ? ` · commit ${mdCode(o.commit.slice(0, 7))}` : '';
  const link = o.reportUrl ? ` · [full report](${o.reportUrl})` : '';
  const out = [
    `### amnesia: ${statusWord(r).toLowerCase()}`,
    '',
    `**${statusWord(r)}** · ${totalsText(r)} · ${mdCode(o.key)}${commit}${link}`,
    '',
  ];
  if (o.previous) out.push(...sinceSection(sinceLastRun(r, o.previous), o.previous), '');
  const bad = notPassing(r);
  if (bad.length > 0) {
    out.push('| status | scenario | what failed first | diagnosis |', '| --- | --- | --- | --- |');
    for (const s of bad.slice(0, MAX_ROWS)) {
      out.push(
        `| **${s.status}** | ${mdText(clip(s.name, 80))} | ${whatFailed(s, o.cwd)} | ${diagnosisCell(s)} |`,
      );
    }
    if (bad.length > MAX_ROWS) out.push('', `… and ${plural(bad.length - MAX_ROWS, 'more scenario')}.`);
    out.push(
      '',
      `The ${o.reportUrl ? `[job summary](${o.reportUrl})` : 'job summary'} has each failure's prompt, diagnosis and timeline; the artifacts hold the worker logs and a replay command.`,
      '',
    );
  }
  out.push(recordComment(recordOf(r, o)));
  return `${out.join('\n')}\n`;
}

/**
 * The comment of a run that could not judge this commit (a bad config, a shard missing, an app that
 * could not start): says so with the error, so the pull request never keeps showing an earlier
 * commit's verdict. It keeps the previous record, so the next judged run still says what changed
 * since the last judged one.
 */
export function renderErrorComment(message: string, o: CommentOptions): string {
  const short = o.commit ? mdCode(o.commit.slice(0, 7)) : undefined;
  const link = o.reportUrl ? ` · [full report](${o.reportUrl})` : '';
  const out = [
    '### amnesia: could not run',
    '',
    `**Not judged** · ${mdCode(o.key)}${short ? ` · commit ${short}` : ''}${link}`,
    '',
    `amnesia stopped before it could judge ${short ? `commit ${short}` : 'this commit'}, so there is no verdict for it yet.`,
    '',
    mdFence(clip(message, MAX_ERROR)),
    '',
  ];
  if (o.previous?.commit)
    out.push(
      `The last verdict on this pull request was for commit ${mdCode(o.previous.commit.slice(0, 7))}; it does not cover this one.`,
      '',
    );
  const record: CommentRecord = o.previous
    ? { ...o.previous, key: o.key }
    : { v: 1, key: o.key, statuses: {} };
  out.push(recordComment(record));
  return `${out.join('\n')}\n`;
}

/** The record of a comment written by `renderComment`, or undefined for any other text. */
export function readCommentRecord(body: string): CommentRecord | undefined {
  const start = body.lastIndexOf(PREFIX);
  if (start < 0) return undefined;
  const end = body.indexOf(SUFFIX, start + PREFIX.length);
  if (end < 0) return undefined;
  try {
    const parsed = recordShape.safeParse(JSON.parse(body.slice(start + PREFIX.length, end)));
    return parsed.success ? (parsed.data as CommentRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Newly failing: not passing now, and passing (or absent) before. Fixed: passing now, failing
 * before. Still failing: both. Skipped scenarios and scenarios that are gone are left out.
 */
export function sinceLastRun(r: RunResult, previous: CommentRecord): SinceLastRun {
  const out: SinceLastRun = { newlyFailing: [], fixed: [], stillFailing: [] };
  for (const s of r.scenarios) {
    const before = previous.statuses[s.name];
    if (isBad(s.status)) (isBad(before) ? out.stillFailing : out.newlyFailing).push(s.name);
    else if (s.status === 'passed' && isBad(before)) out.fixed.push(s.name);
  }
  return out;
}

function sinceSection(d: SinceLastRun, previous: CommentRecord): string[] {
  const since = previous.commit ? ` (commit ${mdCode(previous.commit.slice(0, 7))})` : '';
  const counts = [
    `${d.newlyFailing.length} newly failing`,
    `${d.fixed.length} fixed`,
    `${d.stillFailing.length} still failing`,
  ].join(' · ');
  const list = (label: string, names: string[]) => {
    if (names.length === 0) return [];
    const shown = names.slice(0, MAX_NAMES).map((n) => mdText(clip(n, 80)));
    const more = names.length > MAX_NAMES ? `, and ${names.length - MAX_NAMES} more` : '';
    return [`- ${label}: ${shown.join(', ')}${more}`];
  };
  return [
    `**Since the last run**${since}: ${counts}`,
    ...(d.newlyFailing.length + d.fixed.length + d.stillFailing.length > 0 ? [''] : []),
    ...list('newly failing', d.newlyFailing),
    ...list('fixed', d.fixed),
    ...list('still failing', d.stillFailing),
  ];
}

/**
 * The signature, then each row with what to change (never cut), then what explains the first
 * failed turn, cut at a word boundary: a reader sees the row and the advice first.
 */
function diagnosisCell(s: ScenarioResult): string {
  const d = diagnosisText(s);
  if (!d) return '';
  const signature = d.signature ? `${mdCode(d.signature)} ` : '';
  const advice = d.advice.map((a) => {
    const m = /^(row [^:]+): (.*)$/s.exec(a);
    return m ? `**${mdText(m[1] ?? '')}**: ${mdText(m[2] ?? '')}` : mdText(a);
  });
  const finding = d.turns[0] ?? (d.advice.length > 0 ? undefined : d.findings[0]);
  return `${signature}${[...advice, ...(finding ? [mdText(clipAtWord(finding, MAX_FINDING))] : [])].join(' · ')}`;
}

/** `text` cut to at most `max` characters at a word boundary, with `…`. */
function clipAtWord(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (Array.from(flat).length <= max) return flat;
  const cut = Array.from(flat)
    .slice(0, max - 1)
    .join('');
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.—-]+$/, '')}…`;
}

function recordOf(r: RunResult, o: CommentOptions): CommentRecord {
  return {
    v: 1,
    key: o.key,
    ...(o.commit ? { commit: o.commit } : {}),
    statuses: Object.fromEntries(r.scenarios.map((s) => [s.name, s.status])),
  };
}

/** The record as JSON inside an HTML comment: `<`, `>` and `-` escaped so no name can end the comment early. */
function recordComment(record: CommentRecord): string {
  const json = JSON.stringify(record).replace(
    /[<>-]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `${PREFIX}${json}${SUFFIX}`;
}
