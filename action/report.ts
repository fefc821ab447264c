import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as actionsCore from '@actions/core';
import {
  annotationsFor,
  type Diagnosis,
  type ProbeResult,
  type RunResult,
  renderComment,
  renderJson,
  renderJUnit,
  renderMarkdown,
  renderProbe,
} from '../src/index.ts';
import type { ActionInputs } from './inputs.ts';
import { apiFailure, type GitHub, type PullRequest, runUrl, upsertComment } from './pull-request.ts';

/** What the reporting half of the Action uses of @actions/core. */
export type Core = Pick<
  typeof actionsCore,
  'info' | 'notice' | 'warning' | 'error' | 'setOutput' | 'summary'
>;

/** GitHub shows at most this many error annotations of a step; the summary has the rest. */
const MAX_ANNOTATIONS = 10;
/** A step's summary may hold 1 MiB. */
const SUMMARY_LIMIT = 1_000_000;

/** The JSON report (for merging and the next split's durations) and JUnit XML, beside the artifacts. */
export async function writeReports(
  dir: string,
  r: RunResult,
  workspace: string,
): Promise<{ json: string; junit: string }> {
  await mkdir(dir, { recursive: true });
  const json = path.join(dir, 'amnesia.json');
  const junit = path.join(dir, 'amnesia.junit.xml');
  await writeFile(json, renderJson(r));
  await writeFile(junit, renderJUnit(r, { cwd: workspace }));
  return { json, junit };
}

/** amnesia's Markdown report as the job summary. A summary that cannot be written is a warning, never the verdict. */
export async function writeSummary(core: Core, r: RunResult, inputs: ActionInputs): Promise<void> {
  const title = inputs.shard ? `amnesia (shard ${inputs.shard.index}/${inputs.shard.total})` : 'amnesia';
  const markdown = renderMarkdown(r, {
    title,
    cwd: inputs.workspace,
    maxChars: SUMMARY_LIMIT,
    maxScenarios: 200,
  });
  await addSummary(core, markdown);
}

/** Each failed expectation, leak, vacuous recall and scenario that could not run, at its scenario file and line. */
export function annotate(core: Core, r: RunResult, workspace: string): void {
  const all = annotationsFor(r, { root: workspace });
  for (const a of all.slice(0, MAX_ANNOTATIONS)) {
    core.error(a.message, {
      title: a.title,
      // GitHub places an annotation only on a file of the repository.
      ...(path.isAbsolute(a.file) ? {} : { file: a.file, startLine: a.line, startColumn: a.column }),
    });
  }
  if (all.length > MAX_ANNOTATIONS)
    core.info(
      `amnesia: ${all.length - MAX_ANNOTATIONS} more failures are in the job summary (GitHub shows ${MAX_ANNOTATIONS} annotations a step).`,
    );
}

/**
 * The one PR comment for this suite, created or updated in place. Returns its URL, or undefined
 * when there is none to write (not a PR, a fork, a shard, `comment: false`) or GitHub refused:
 * a notice or a warning then says why, and the verdict never changes.
 */
export async function comment(
  core: Core,
  github: GitHub,
  inputs: ActionInputs,
  r: RunResult,
  pr: PullRequest | undefined,
): Promise<string | undefined> {
  if (!inputs.comment || inputs.shard) return undefined;
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
  if (!inputs.token) {
    core.warning('amnesia: no github-token, so no PR comment (the job summary has the report).');
    return undefined;
  }
  const key = suiteKey(r, inputs.workspace);
  try {
    const octokit = github.getOctokit(inputs.token, { baseUrl: github.context.apiUrl });
    const reportUrl = runUrl(github.context);
    const { url, created } = await upsertComment(octokit, pr, key, (previous) =>
      renderComment(r, {
        key,
        commit: pr.commit,
        cwd: inputs.workspace,
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
function suiteKey(r: RunResult, workspace: string): string {
  if (!r.configFile) return 'amnesia';
  const rel = path.relative(workspace, r.configFile);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : r.configFile;
}

export function setRunOutputs(
  core: Core,
  r: RunResult,
  o: { json: string; junit: string; artifactsDir: string },
): void {
  const count = (status: string) => String(r.scenarios.filter((s) => s.status === status).length);
  core.setOutput('passed', count('passed'));
  core.setOutput('failed', count('failed'));
  core.setOutput('errors', count('error'));
  core.setOutput('exit-code', String(r.exitCode));
  core.setOutput('json-report', o.json);
  core.setOutput('junit-report', o.junit);
  core.setOutput('artifacts-dir', o.artifactsDir);
  const first = r.scenarios.find((s) => (s.status === 'failed' || s.status === 'error') && s.diagnosis);
  setDiagnosisOutputs(core, first?.diagnosis);
}

/** `amnesia probe` in a job: the ladder as the summary, and its diagnosis as outputs. */
export async function reportProbe(core: Core, result: ProbeResult): Promise<void> {
  const { replicas, workers } = result.topology;
  const text = renderProbe(result.diagnosis, {
    color: false,
    title: `probe ladder (${replicas} × ${workers})`,
  });
  await addSummary(core, `## amnesia probe\n\n${fence(text.trimEnd())}\n`);
  core.setOutput('exit-code', String(result.exitCode));
  core.setOutput('artifacts-dir', result.ladder.artifactsDir ?? '');
  setDiagnosisOutputs(core, result.diagnosis);
}

function setDiagnosisOutputs(core: Core, d: Diagnosis | undefined): void {
  core.setOutput('diagnosis-row', d?.rows.map((row) => row.id).join(', ') ?? '');
  core.setOutput('signature', d?.signature ?? '');
  core.setOutput('advice', d?.advice ?? '');
}

/** What amnesia could not do, as the job summary: the message in a code block. */
export async function reportFailure(core: Core, message: string): Promise<void> {
  await addSummary(core, `## amnesia\n\n**Could not run**\n\n${fence(message)}\n`);
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
