import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { afterAll, expect, vi } from 'vitest';
import { type ActionDeps, main } from '../../action/main.ts';
import type { GitHubContext } from '../../action/pull-request.ts';

export const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const PULL_REQUEST = JSON.parse(readFileSync(path.join(FIXTURES, 'pull_request.json'), 'utf8'));
export const HEAD_SHA: string = PULL_REQUEST.pull_request.head.sha;

/** What triggered the workflow: a PR from a branch of the repository, a PR from a fork, or a push. */
export type Trigger = 'pull_request' | 'fork' | 'push';

/**
 * @actions/core remembers the first job summary file it wrote to, for the life of the process, so
 * every test of a file shares this one (emptied before each run) — as a runner gives one per step.
 */

export interface StepResult {
  /** Everything the step printed (workflow commands included). */
  log: string;
  outputs: Record<string, string>;
  summary: string;
  annotations: WorkflowCommand[];
  failed: WorkflowCommand | undefined;
  /** Values registered with `::add-mask::`. */
  masked: string[];
}

const SUMMARY_DIR = mkdtempSync(path.join(tmpdir(), 'amnesia-summary-'));
const SUMMARY = path.join(SUMMARY_DIR, 'step_summary.md');
afterAll(() => rmSync(SUMMARY_DIR, { recursive: true, force: true }));

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

/**
 * Runs the Action in this process with the environment a GitHub runner gives a step: INPUT_* for
 * each input, GITHUB_EVENT_PATH with a real pull_request payload, GITHUB_STEP_SUMMARY,
 * GITHUB_OUTPUT, GITHUB_REPOSITORY, GITHUB_WORKSPACE, and GITHUB_API_URL at the stand-in.
 */
export interface StepOptions {
  workspace: string;
  inputs: Record<string, string>;
  apiUrl: string;
  trigger?: Trigger;
  env?: Record<string, string>;
}

/** The environment a runner gives a step, and the files it reads back (removed on dispose). */
export function stepEnvironment(
  o: StepOptions,
  summaryFile?: string,
): {
  env: Record<string, string>;
  outputFile: string;
  summaryFile: string;
} & Disposable {
  const dir = mkdtempSync(path.join(tmpdir(), 'amnesia-runner-'));
  summaryFile ??= path.join(dir, 'step_summary.md');
  const trigger = o.trigger ?? 'pull_request';
  const eventFile = path.join(dir, 'event.json');
  writeFileSync(eventFile, JSON.stringify(payloadFor(trigger)));
  writeFileSync(summaryFile, '');
  const outputFile = path.join(dir, 'output');
  writeFileSync(outputFile, '');
  const env: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: o.workspace,
    GITHUB_REPOSITORY: 'acme/chat',
    GITHUB_EVENT_NAME: trigger === 'push' ? 'push' : 'pull_request',
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_SHA: 'e5bd3914e2e596debea16f433f57875b5b90bcd6',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: o.apiUrl,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_OUTPUT: outputFile,
    ...Object.fromEntries(Object.entries(o.inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...o.env,
  };
  return {
    env,
    outputFile,
    summaryFile,
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs the Action in this process with the environment a GitHub runner gives a step: INPUT_* for
 * each input, GITHUB_EVENT_PATH with a real pull_request payload, GITHUB_STEP_SUMMARY,
 * GITHUB_OUTPUT, GITHUB_REPOSITORY, GITHUB_WORKSPACE, and GITHUB_API_URL at the stand-in.
 */
export async function runStep(
  o: StepOptions & { core?: ActionDeps['core']; getOctokit?: typeof github.getOctokit },
): Promise<StepResult> {
  // @actions/core's summary keeps the first GITHUB_STEP_SUMMARY it saw: every step in this process
  // writes to one file (emptied at each step's start), removed with the test file.
  using step = stepEnvironment(o, SUMMARY);
  const { env, outputFile, summaryFile } = step;
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  const printed: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed.push(String(chunk));
    return true;
  });
  const exitCode = process.exitCode;
  try {
    // A fresh context, as the runner's new process would build it from this environment.
    const context = new (github.context.constructor as new () => GitHubContext)();
    await main({
      core: o.core ?? core,
      github: { context, getOctokit: o.getOctokit ?? github.getOctokit },
      env: process.env,
    });
  } finally {
    write.mockRestore();
    process.exitCode = exitCode; // setFailed sets it; the test process's own status is not the step's
    vi.unstubAllEnvs();
  }
  return readStep(printed.join(''), outputFile, summaryFile);
}

/** What a step left: its log's workflow commands, its outputs, its summary. */
export function readStep(log: string, outputFile: string, summaryFile: string): StepResult {
  const commands = log.split('\n').flatMap((line) => parseCommand(line) ?? []);
  return {
    log,
    outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    annotations: commands.filter((c) => ['error', 'warning', 'notice'].includes(c.command)),
    failed: commands.findLast((c) => c.command === 'error' && Object.keys(c.properties).length === 0),
    masked: commands.filter((c) => c.command === 'add-mask').map((c) => c.message),
  };
}

export function payloadFor(trigger: Trigger): unknown {
  if (trigger === 'push')
    return { ref: 'refs/heads/main', after: HEAD_SHA, repository: PULL_REQUEST.repository };
  if (trigger === 'pull_request') return PULL_REQUEST;
  const fork = structuredClone(PULL_REQUEST);
  fork.pull_request.head.label = 'ada-l:memory-in-postgres';
  fork.pull_request.head.user = fork.sender;
  fork.pull_request.head.repo = {
    ...fork.pull_request.base.repo,
    id: 700002,
    full_name: 'ada-l/chat',
    owner: fork.sender,
    fork: true,
    html_url: 'https://github.com/ada-l/chat',
  };
  return fork;
}

/** `name<<delimiter\nvalue\ndelimiter` blocks, as @actions/core appends them to GITHUB_OUTPUT. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^(.+?)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1] as string] = m[3] as string;
  return out;
}

const unescapeCommand = (s: string) =>
  s
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%');

/** `::error file=a.yaml,line=3::message` → its parts, unescaped. */
function parseCommand(line: string): WorkflowCommand | undefined {
  const m = /^::([\w-]+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!m) return undefined;
  const properties: Record<string, string> = {};
  for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
    const i = pair.indexOf('=');
    properties[pair.slice(0, i)] = unescapeCommand(pair.slice(i + 1));
  }
  return { command: m[1] as string, properties, message: unescapeCommand(m[3] ?? '') };
}

/** Every output action.yml declares was set (a later step never reads a missing one). */
export function expectEveryOutput(outputs: Record<string, string>): void {
  const yml = readFileSync(path.join(import.meta.dirname, '../../action.yml'), 'utf8');
  const declared = [...yml.slice(yml.indexOf('\noutputs:')).matchAll(/^ {2}([\w-]+):$/gm)].map((m) => m[1]);
  expect(declared.length).toBeGreaterThan(8);
  expect(Object.keys(outputs).sort()).toEqual([...declared].sort());
}
