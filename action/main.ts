import path from 'node:path';
import type * as actionsCore from '@actions/core';
import {
  AmnesiaError,
  formatEvent,
  InvalidInputError,
  mergeReports,
  probe,
  type RunEvent,
  type RunResult,
  relativePaths,
  renderComment,
  renderErrorComment,
  run,
} from '../src/index.ts';
import { type ActionInputs, type CommentTarget, commentTarget, readInputs, repoPath } from './inputs.ts';
import { type GitHub, pullRequestOf, runUrl } from './pull-request.ts';
import {
  annotate,
  type Core,
  comment,
  MAX_ANNOTATIONS,
  reportFailure,
  reportProbe,
  setFailureOutputs,
  setRunOutputs,
  suiteKey,
  writeError,
  writeReports,
  writeSummary,
} from './report.ts';
import { type Redactor, redactFiles, redactor, secretValues } from './secrets.ts';

export interface ActionDeps {
  /** @actions/core, or a fake. */
  core: Core & Pick<typeof actionsCore, 'getInput' | 'setFailed' | 'setSecret'>;
  /** @actions/github's `context` and `getOctokit` (tests point them at a loopback stand-in). */
  github: GitHub;
  /**
   * This process's environment: secrets are found in it, and the token is taken out of it, since
   * the app under test inherits it.
   */
  env: NodeJS.ProcessEnv;
  /** Aborted when the job is cancelled: everything amnesia started is stopped. */
  signal?: AbortSignal;
}

/**
 * The Action: inputs → amnesia's `run()` (or `probe()`, or the merge of shard reports) → job
 * summary, annotations, outputs, the PR comment → the verdict. Never throws: any failure, of any
 * kind, ends in `setFailed`.
 */
export async function main(deps: ActionDeps): Promise<void> {
  const { core, env } = deps;
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  let redact = redactor([]);
  let target: CommentTarget | undefined;
  try {
    const token = core.getInput('github-token').trim();
    // The app under test inherits this environment; the token is this step's, not the app's.
    delete env['INPUT_GITHUB-TOKEN'];
    const secrets = secretValues(env, token);
    for (const s of secrets) core.setSecret(s);
    redact = redactor(secrets);
    target = commentTarget(core, workspace, token);
    const inputs = await readInputs(core, workspace, token);
    if (inputs.mode === 'probe') {
      const result = await probe({
        ...inputs.probe,
        ...signalOf(deps),
        onEvent: progress(core, redact, workspace),
      });
      await redactFiles(inputs.artifactsDir, redact);
      await reportProbe(
        core,
        relativePaths(redact.value(result), workspace),
        path.resolve(workspace, result.ladder.artifactsDir ?? inputs.artifactsDir),
      );
      return verdict(core, inputs, result.exitCode, `the probe ladder: ${result.diagnosis.signature}`);
    }
    const raw =
      inputs.mode === 'merge'
        ? await mergeReports(inputs.reports, workspace)
        : await run({ ...inputs.run, ...signalOf(deps), onEvent: progress(core, redact, workspace) });
    const result = relativePaths(redact.value(raw), workspace);
    await redactFiles(inputs.artifactsDir, redact);
    await report(deps, inputs, target, result);
  } catch (e) {
    await failed(deps, e, redact, target ?? commentTarget(core, workspace, ''));
  }
}

async function report(
  deps: ActionDeps,
  inputs: ActionInputs,
  target: CommentTarget,
  result: RunResult,
): Promise<void> {
  const { core } = deps;
  const files = await writeReports(inputs.artifactsDir, result, inputs.workspace);
  let hidden = 0;
  if (inputs.shard) {
    core.notice(
      `amnesia shard ${inputs.shard.index}/${inputs.shard.total}: annotations and the PR comment come from the job that merges the shards' reports (mode: merge).`,
    );
  } else {
    hidden = annotate(core, result, inputs.workspace, failsStep(inputs, result.exitCode));
  }
  await writeSummary(core, result, inputs, hidden, runUrl(deps.github.context));
  setRunOutputs(core, result, { ...files, artifactsDir: inputs.artifactsDir });
  const key = suiteKey(result, inputs.workspace, target.key);
  const commentUrl = await comment(
    core,
    deps.github,
    { ...target, key },
    pullRequestOf(deps.github.context),
    (o) => renderComment(result, o),
  );
  core.setOutput('comment-url', commentUrl ?? '');
  verdict(core, inputs, result.exitCode, summaryLine(result));
}

const failsStep = (inputs: ActionInputs, exitCode: number) => exitCode !== 0 && inputs.failOn !== 'never';

function verdict(core: ActionDeps['core'], inputs: ActionInputs, exitCode: number, what: string): void {
  if (exitCode === 0) return;
  if (inputs.failOn === 'never') {
    core.info(`amnesia: ${what} (fail-on: never, so the step passes)`);
    return;
  }
  core.setFailed(`amnesia: ${what}`);
}

function summaryLine(r: RunResult): string {
  const count = (s: string) => r.scenarios.filter((x) => x.status === s).length;
  return `${count('failed')} failed, ${count('error')} errors of ${r.scenarios.length} scenarios`;
}

/**
 * Anything thrown, Error or not: the message (secrets masked, paths relative to the checkout), the
 * bad input at its file and line, every output, the PR comment saying this commit was not judged
 * (so it never keeps an earlier commit's verdict), and setFailed.
 */
async function failed(deps: ActionDeps, e: unknown, redact: Redactor, target: CommentTarget) {
  const { core } = deps;
  const message = relativePaths(
    redact.text(
      e instanceof AmnesiaError
        ? e.message
        : `internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    ),
    target.workspace,
  );
  let hidden = 0;
  if (e instanceof InvalidInputError) {
    // One of GitHub's 10 error annotations is setFailed's.
    const room = MAX_ANNOTATIONS - 1;
    for (const p of e.problems.slice(0, room)) {
      const file = repoPath(p.file, target.workspace);
      core.error(
        relativePaths(
          redact.text(`${p.field ? `${p.field}: ` : ''}${p.message}${p.hint ? ` (${p.hint})` : ''}`),
          target.workspace,
        ),
        {
          title: 'amnesia: invalid input',
          ...(path.isAbsolute(file) ? {} : { file, startLine: p.line, startColumn: p.column }),
        },
      );
    }
    hidden = Math.max(0, e.problems.length - room);
  }
  await reportFailure(core, message, hidden);
  const errorFile = await writeError(target.artifactsDir, message);
  setFailureOutputs(core, {
    exitCode: e instanceof AmnesiaError ? e.exitCode : 2,
    artifactsDir: errorFile ? target.artifactsDir : '',
  });
  const url = await comment(core, deps.github, target, pullRequestOf(deps.github.context), (o) =>
    renderErrorComment(message, o),
  );
  core.setOutput('comment-url', url ?? '');
  core.setFailed(`amnesia: ${message}`);
}

function signalOf(deps: ActionDeps): { signal?: AbortSignal } {
  return deps.signal ? { signal: deps.signal } : {};
}

/** Progress in the job's log, as the CLI prints it (paths relative to the checkout). */
function progress(core: Core, redact: Redactor, workspace: string) {
  return (e: RunEvent) => {
    const line = formatEvent(e, { color: false });
    if (line !== undefined) core.info(relativePaths(redact.text(line), workspace));
  };
}
