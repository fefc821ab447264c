import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { DisruptionStepRecord, RunResult, TurnRecord } from '../../src/index.ts';
import { REPO } from '../helpers/cli.ts';
import { tempFiles } from '../helpers/files.ts';

// Where the engine and the locally built images are (.ci/docker-setup.sh builds them; see
// .ci/docker-env.sh). Ryuk is off: amnesia removes what it starts by itself, and these tests check it.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
process.env.AMNESIA_REDIS_IMAGE ??= 'local/redis:7';
process.env.AMNESIA_POSTGRES_IMAGE ??= 'local/postgres:15';
export const NODE_IMAGE = process.env.AMNESIA_TEST_NODE_IMAGE ?? 'local/node:24';
export const APP_IMAGE = process.env.AMNESIA_TEST_APP_IMAGE ?? 'local/llamaindex-apps:test';
const LLAMAINDEX = path.join(REPO, 'test/apps/llamaindex');

/**
 * Whether a container engine answers and the local images exist. Without them the container tests
 * are skipped on a developer's machine (`bash .ci/docker-setup.sh` sets both up, as root on
 * Debian); in CI they are required, so a missing engine fails the run instead of hiding it.
 */
export const ENGINE =
  spawnSync('docker', ['image', 'inspect', APP_IMAGE, NODE_IMAGE], { stdio: 'ignore' }).status === 0;
if (!ENGINE && process.env.CI)
  throw new Error(
    `CI needs the container engine and the local images (${APP_IMAGE}, ${NODE_IMAGE}): .ci/run starts them with .ci/docker-setup.sh`,
  );
const BASIC = path.join(REPO, 'test/apps/basic');

/** A project running one LlamaIndex app of the family in the container runtime. */
export function llamaProject(app: string, scenario: string, extra = '') {
  return tempFiles({
    'amnesia.config.yaml': `app:
  runtime: container
  image: ${APP_IMAGE}
  command: node ${app}
  ready: { log: listening on }
  boot_timeout: 2m
${extra}`,
    'scenarios/s.yaml': scenario,
  });
}

/** A project running the plain-node test app, built from its Dockerfile (app.build). */
export function basicContainerProject(
  mode: string,
  scenario: string,
  app = '',
  env: Record<string, string> = {},
) {
  const vars = Object.entries({ MEMORY_MODE: mode, ...env })
    .map(([k, v]) => `${k}: "${v}"`)
    .join(', ');
  return tempFiles({
    'amnesia.config.yaml': `app:
  runtime: container
  build: { context: ${BASIC}, args: { BASE: ${NODE_IMAGE} } }
  command: node server.ts
  env: { ${vars} }
  ready: { log: listening on }
  boot_timeout: 1m
  stop_grace: 2s
${app}`,
    'scenarios/s.yaml': scenario,
  });
}

/** A project running a LlamaIndex app as child processes (the process runtime). */
export function llamaProcessProject(app: string, scenario: string, extra = '') {
  return tempFiles({
    'amnesia.config.yaml': `app:
  command: node ${app}
  cwd: ${LLAMAINDEX}
  ready: { log: listening on }
  boot_timeout: 2m
${extra}`,
    'scenarios/s.yaml': scenario,
  });
}

export const turnsOf = (r: RunResult): TurnRecord[] =>
  (r.scenarios[0]?.steps ?? []).filter((s): s is TurnRecord => s.kind === 'turn');
export const disruptionsOf = (r: RunResult): DisruptionStepRecord[] =>
  (r.scenarios[0]?.steps ?? []).filter((s): s is DisruptionStepRecord => s.kind === 'disruption');

/** Each turn: its label, then ✓ or ✗ (every expectation passed or not). */
export const verdicts = (r: RunResult): string[] =>
  turnsOf(r).map((t) => `${t.label} ${t.passed ? '✓' : '✗'}`);

/** Why each turn that did not pass failed: the message of an assertion on `verdicts`. */
export const whyNotPassed = (r: RunResult): string =>
  turnsOf(r)
    .filter((t) => !t.passed)
    .map(
      (t) =>
        `${t.label}: ${t.failure ? `${t.failure.kind}: ${t.failure.message}` : `status ${t.status}`}; ${t.expectations
          .filter((e) => !e.passed)
          .map((e) => JSON.stringify(e).slice(0, 400))
          .join('; ')}`,
    )
    .join('\n');

function docker(args: string[]): string[] {
  const out = spawnSync('docker', args, { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`docker ${args.join(' ')}: ${out.stderr}`);
  return out.stdout.split('\n').filter(Boolean);
}

/** Containers, volumes and networks labelled with this run id (any state). */
export function labelled(runId: string): string[] {
  const filter = `label=amnesia.run=${runId}`;
  return [
    ...docker(['ps', '-aq', '--filter', filter]).map((id) => `container ${id}`),
    ...docker(['volume', 'ls', '-q', '--filter', filter]).map((v) => `volume ${v}`),
    ...docker(['network', 'ls', '-q', '--filter', filter]).map((n) => `network ${n}`),
  ];
}
