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
  run,
} from '../src/index.ts';
import { type ActionInputs, readInputs } from './inputs.ts';
import { type GitHub, pullRequestOf } from './pull-request.ts';
import {
  annotate,
  type Core,
  comment,
  reportFailure,
  reportProbe,
  setRunOutputs,
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
  try {
    const token = core.getInput('github-token').trim();
    // The app under test inherits this environment; the token is this step's, not the app's.
    delete env['INPUT_GITHUB-TOKEN'];
    const secrets = secretValues(env, token);
    for (const s of secrets) core.setSecret(s);
    redact = redactor(secrets);
    const inputs = await readInputs(core, workspace, token);
    if (inputs.mode === 'probe') {
      const result = await probe({ ...inputs.probe, ...signalOf(deps), onEvent: progress(core, redact) });
      await redactFiles(inputs.artifactsDir, redact);
      await reportProbe(core, redact.value(result));
      return verdict(core, inputs, result.exitCode, `the probe ladder: ${result.diagnosis.signature}`);
    }
    const raw =
      inputs.mode === 'merge'
        ? await mergeReports(inputs.reports, workspace)
        : await run({ ...inputs.run, ...signalOf(deps), onEvent: progress(core, redact) });
    const result = redact.value(raw);
    await redactFiles(inputs.artifactsDir, redact);
    await report(deps, inputs, result);
  } catch (e) {
    await failed(core, e, redact);
  }
}

async function report(deps: ActionDeps, inputs: ActionInputs, result: RunResult): Promise<void> {
  const { core } = deps;
  const files = await writeReports(inputs.artifactsDir, result, inputs.workspace);
  await writeSummary(core, result, inputs);
  if (inputs.shard) {
    core.notice(
      `amnesia shard ${inputs.shard.index}/${inputs.shard.total}: annotations and the PR comment come from the job that merges the shards' reports (mode: merge).`,
    );
  } else {
    annotate(core, result, inputs.workspace);
  }
  setRunOutputs(core, result, { ...files, artifactsDir: inputs.artifactsDir });
  const commentUrl = await comment(core, deps.github, inputs, result, pullRequestOf(deps.github.context));
  core.setOutput('comment-url', commentUrl ?? '');
  verdict(core, inputs, result.exitCode, summaryLine(result));
}

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

/** Anything thrown, Error or not: the message (secrets masked), the bad input at its file and line, and setFailed. */
async function failed(core: ActionDeps['core'], e: unknown, redact: Redactor) {
  const message = redact.text(
    e instanceof AmnesiaError
      ? e.message
      : `internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
  );
  if (e instanceof InvalidInputError) {
    for (const p of e.problems.slice(0, 10)) {
      core.error(redact.text(`${p.field ? `${p.field}: ` : ''}${p.message}${p.hint ? ` (${p.hint})` : ''}`), {
        title: 'amnesia: invalid input',
        ...(path.isAbsolute(p.file) ? {} : { file: p.file, startLine: p.line, startColumn: p.column }),
      });
    }
  }
  await reportFailure(core, message);
  core.setOutput('exit-code', String(e instanceof AmnesiaError ? e.exitCode : 2));
  core.setFailed(`amnesia: ${message}`);
}

function signalOf(deps: ActionDeps): { signal?: AbortSignal } {
  return deps.signal ? { signal: deps.signal } : {};
}

/** Progress in the job's log, as the CLI prints it. */
function progress(core: Core, redact: Redactor) {
  return (e: RunEvent) => {
    const line = formatEvent(e, { color: false });
    if (line !== undefined) core.info(redact.text(line));
  };
}
