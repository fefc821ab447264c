import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as actionsCore from '@actions/core';
import {
  type Annotation,
  annotationsFor,
  type CommentOptions,
  type Diagnosis,
  type ProbeResult,
  type RunResult,
  renderHtml,
  renderJson,
  renderJUnit,
  renderMarkdown,
  renderProbe,
} from '../src/index.ts';
import { type ActionInputs, type CommentTarget, repoPath } from './inputs.ts';
import { apiFailure, type GitHub, type PullRequest, runUrl, upsertComment } from './pull-request.ts';

/** What the reporting half of the Action uses of @actions/core. */
export type Core = Pick<
  typeof actionsCore,
  'info' | 'notice' | 'warning' | 'error' | 'setOutput' | 'summary'
>;

/** GitHub shows at most this many error annotations of a step; the summary has the rest. */
export const MAX_ANNOTATIONS = 10;
/** A step's summary may hold 1 MiB. */
const SUMMARY_LIMIT = 1_000_000;

/**
 * The JSON report (for merging and the next split's durations), JUnit XML and the HTML report (a
 * page to open from the uploaded artifact), beside the artifacts.
 */
export async function writeReports(
  dir: string,
  r: RunResult,
  workspace: string,
): Promise<{ json: string; junit: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const json = path.join(dir, 'amnesia.json');
  const junit = path.join(dir, 'amnesia.junit.xml');
  const html = path.join(dir, HTML_REPORT);
  await writeFile(json, renderJson(r, { cwd: workspace }));
  await writeFile(junit, renderJUnit(r, { cwd: workspace }));
  await writeFile(html, renderHtml(r, { cwd: workspace }));
  return { json, junit, html };
}

const HTML_REPORT = 'amnesia.html';

/** Where the job summary sends its reader for the HTML report: the uploaded artifact, on the run's page. */
function htmlReportNote(runPage: string | undefined): string {
  const where = runPage ? `[this run's artifacts](${runPage}#artifacts)` : "this run's artifacts";
  return `> [!TIP]\n> The HTML report — a timeline per worker, each prompt with its facts marked — is \`${HTML_REPORT}\` in ${where} (the folder of the \`artifacts-dir\` output, once uploaded).\n\n`;
}

/** amnesia's Markdown report as the job summary. A summary that cannot be written is a warning, never the verdict. */
export async function writeSummary(
  core: Core,
  r: RunResult,
  inputs: ActionInputs,
  hiddenAnnotations = 0,
  runPage?: string,
): Promise<void> {
  const title = inputs.shard ? `amnesia (shard ${inputs.shard.index}/${inputs.shard.total})` : 'amnesia';
  const markdown = renderMarkdown(r, {
    title,
    cwd: inputs.workspace,
    maxChars: SUMMARY_LIMIT - 500,
    maxScenarios: 200,
  });
  // After the verdict line: where the HTML report is, and, for the reader who came from the
  // annotations, where the rest are.
  const hidden =
    hiddenAnnotations === 0
      ? ''
      : `> [!NOTE]\n> ${hiddenText(hiddenAnnotations).replace(/^amnesia: /, '')}\n\n`;
  const note = `${htmlReportNote(runPage)}${hidden}`;
  const at = markdown.indexOf('\n\n', markdown.indexOf('\n\n') + 2);
  await addSummary(
    core,
    at < 0 ? `${markdown}\n${note}` : `${markdown.slice(0, at + 2)}${note}${markdown.slice(at + 2)}`,
  );
}

/**
 * Each failed expectation, leak, vacuous recall and scenario that could not run, at its scenario
 * file and line, most important first (leaks, then scenarios that could not be judged, then failed
 * expectations; each scenario's first before any scenario's second), as many as GitHub shows: 10
 * error annotations a step, one of them `setFailed`'s when the step fails. Returns how many were
 * left out (the job summary has them all).
 */
export function annotate(core: Core, r: RunResult, workspace: string, failsStep: boolean): number {
  const all = mostImportantFirst(annotationsFor(r, { root: workspace }));
  const room = MAX_ANNOTATIONS - (failsStep ? 1 : 0);
  for (const a of all.slice(0, room)) {
    core.error(a.message, {
      title: a.title,
      // GitHub places an annotation only on a file of the repository.
      ...(path.isAbsolute(a.file) ? {} : { file: a.file, startLine: a.line, startColumn: a.column }),
    });
  }
  const hidden = Math.max(0, all.length - room);
  if (hidden > 0) core.info(hiddenText(hidden));
  return hidden;
}

const RANK: Record<Annotation['kind'], number> = { leak: 0, error: 1, vacuous: 1, expectation: 2 };

function mostImportantFirst(all: Annotation[]): Annotation[] {
  const nth = new Map<string, number>();
  const ranked = all.map((a, i) => {
    const n = nth.get(a.scenario) ?? 0;
    nth.set(a.scenario, n + 1);
    return { a, n, i };
  });
  return ranked.sort((x, y) => RANK[x.a.kind] - RANK[y.a.kind] || x.n - y.n || x.i - y.i).map((x) => x.a);
}

function hiddenText(hidden: number): string {
  return `amnesia: ${hidden} more ${hidden === 1 ? 'failure is' : 'failures are'} not annotated (GitHub shows ${MAX_ANNOTATIONS} error annotations a step): the job summary has every one.`;
}

/**
 * The one PR comment for this suite, created or updated in place. Returns its URL, or undefined
 * when there is none to write (not a PR, a fork, a shard, `comment: false`) or GitHub refused:
 * a notice or a warning then says why, and the verdict never changes.
 */
export async function comment(
  core: Core,
  github: GitHub,
  target: CommentTarget,
  pr: PullRequest | undefined,
  render: (o: CommentOptions) => string,
): Promise<string | undefined> {
  if (!target.comment || target.sharded) return undefined;
  if (!pr) {
    core.info('amnesia: not a pull request event, so no PR comment (the job summary has the report).');
    return undefined;
  }
  if (pr.fromFork) {
    core.notice(
      'amnesia: this pull request comes from a fork, whose token is read-only: no PR comment. The job summary and the annotations have the report.',
    );
    return undefined;
  }
  if (!target.token) {
    core.warning('amnesia: no github-token, so no PR comment (the job summary has the report).');
    return undefined;
  }
  const { key } = target;
  try {
    const octokit = github.getOctokit(target.token, { baseUrl: github.context.apiUrl });
    const reportUrl = runUrl(github.context);
    const { url, created } = await upsertComment(octokit, pr, key, (previous) =>
      render({
        key,
        commit: pr.commit,
        cwd: target.workspace,
        ...(previous ? { previous } : {}),
        ...(reportUrl ? { reportUrl } : {}),
      }),
    );
    core.info(`amnesia: ${created ? 'commented on' : 'updated its comment on'} #${pr.number}: ${url}`);
    return url;
  } catch (e) {
    core.warning(
      `amnesia: could not comment on #${pr.number}: ${apiFailure(e)}. The verdict stands; the job summary has the report.`,
    );
    return undefined;
  }
}

/** The suite a comment is about: its config file, relative to the checkout (one comment per config). */
export function suiteKey(r: RunResult, workspace: string, fallback: string): string {
  return r.configFile ? repoPath(r.configFile, workspace) : fallback;
}

export function setRunOutputs(
  core: Core,
  r: RunResult,
  o: { json: string; junit: string; html: string; artifactsDir: string },
): void {
  const count = (status: string) => String(r.scenarios.filter((s) => s.status === status).length);
  core.setOutput('passed', count('passed'));
  core.setOutput('failed', count('failed'));
  core.setOutput('errors', count('error'));
  core.setOutput('exit-code', String(r.exitCode));
  core.setOutput('json-report', o.json);
  core.setOutput('junit-report', o.junit);
  core.setOutput('html-report', o.html);
  core.setOutput('artifacts-dir', o.artifactsDir);
  const first = r.scenarios.find((s) => (s.status === 'failed' || s.status === 'error') && s.diagnosis);
  setDiagnosisOutputs(core, first?.diagnosis);
}

/** The outputs of a run that stopped before a verdict: each one set (empty when it has no value), so no later step reads a stale or missing one. */
export function setFailureOutputs(core: Core, o: { exitCode: number; artifactsDir: string }): void {
  for (const name of ['passed', 'failed', 'errors', 'json-report', 'junit-report', 'html-report'] as const)
    core.setOutput(name, '');
  core.setOutput('exit-code', String(o.exitCode));
  core.setOutput('artifacts-dir', o.artifactsDir);
  setDiagnosisOutputs(core, undefined);
}

/**
 * The error, in the artifacts folder (`amnesia-error.txt`), so the upload step that follows has a
 * folder and the artifact says why there is nothing else. Returns false when it cannot be written.
 */
export async function writeError(dir: string, message: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'amnesia-error.txt'), `${message}\n`);
    return true;
  } catch {
    return false;
  }
}

/** `amnesia probe` in a job: the ladder as the summary, and its diagnosis as outputs (`artifactsDir`: absolute). */
export async function reportProbe(core: Core, result: ProbeResult, artifactsDir: string): Promise<void> {
  const { replicas, workers } = result.topology;
  const text = renderProbe(result.diagnosis, {
    color: false,
    title: `probe ladder (${replicas} × ${workers})`,
  });
  await addSummary(core, `## amnesia probe\n\n${fence(text.trimEnd())}\n`);
  for (const name of [
    'passed',
    'failed',
    'errors',
    'json-report',
    'junit-report',
    'html-report',
    'comment-url',
  ] as const)
    core.setOutput(name, '');
  core.setOutput('exit-code', String(result.exitCode));
  core.setOutput('artifacts-dir', artifactsDir);
  setDiagnosisOutputs(core, result.diagnosis);
}

function setDiagnosisOutputs(core: Core, d: Diagnosis | undefined): void {
  core.setOutput('diagnosis-row', d?.rows.map((row) => row.id).join(', ') ?? '');
  core.setOutput('signature', d?.signature ?? '');
  core.setOutput('advice', d?.advice ?? '');
}

/** What amnesia could not do, as the job summary: the message in a code block. */
export async function reportFailure(core: Core, message: string, hiddenProblems = 0): Promise<void> {
  const more =
    hiddenProblems > 0
      ? `\n${hiddenProblems} more ${hiddenProblems === 1 ? 'problem is' : 'problems are'} not annotated (GitHub shows ${MAX_ANNOTATIONS} error annotations a step): the message above lists them.\n`
      : '';
  await addSummary(core, `## amnesia\n\n**Could not run**\n\n${fence(message)}\n${more}`);
}

/** A fenced block longer than any backtick run inside. */
function fence(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const f = '`'.repeat(longest + 1);
  return `${f}text\n${text}\n${f}`;
}

async function addSummary(core: Core, markdown: string): Promise<void> {
  try {
    await core.summary.addRaw(markdown).write();
  } catch (e) {
    core.summary.emptyBuffer();
    core.warning(`amnesia: could not write the job summary: ${e instanceof Error ? e.message : String(e)}`);
  }
}
