import type { RunResult, ScenarioResult, TurnRecord } from '../types/results.ts';
import { seconds } from '../util/duration.ts';
import { brief, clip, firstLine, oneLine, quoted } from '../util/text.ts';
import { diagnosisText } from './diagnosis.ts';
import {
  expectationText,
  failedOf,
  leakText,
  notRunText,
  relativeTo,
  turnsOf,
  vacuousText,
} from './evidence.ts';
import { turnEvidence } from './turn-evidence.ts';
import { cdata, serialize, type XmlElement } from './xml.ts';

export interface JUnitOptions {
  /** Paths under it are written relative to it (CI annotators resolve them from the checkout). */
  cwd?: string;
}

/**
 * JUnit XML: a `<testsuite>` per scenario, a `<testcase>` per judged user turn, leaks and vacuous
 * recalls as testcases of their own, a scenario that could not run as one `<error>`, and the
 * diagnosis in `<system-out>`.
 */
export function renderJUnit(r: RunResult, o: JUnitOptions = {}): string {
  const suites = r.scenarios.map((s) => suite(s, o.cwd));
  const count = (attr: string) => suites.reduce((n, s) => n + Number(s.attrs?.[attr] ?? 0), 0);
  const root: XmlElement = {
    name: 'testsuites',
    attrs: {
      name: `amnesia run ${r.runId}`,
      tests: count('tests'),
      failures: count('failures'),
      errors: count('errors'),
      skipped: count('skipped'),
      time: seconds(r.durationMs),
      timestamp: timestamp(r.startedAt),
    },
    children: suites,
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${serialize(root)}\n`;
}

function suite(s: ScenarioResult, cwd: string | undefined): XmlElement {
  const file = relativeTo(s.file, cwd);
  const cases = testcases(s, file, cwd);
  const has = (kind: string) => cases.filter((c) => c.children?.some((x) => x.name === kind)).length;
  const out = systemOut(s, cwd);
  return {
    name: 'testsuite',
    attrs: {
      name: s.name,
      file,
      tests: cases.length,
      failures: has('failure'),
      errors: has('error'),
      skipped: has('skipped'),
      time: seconds(s.durationMs),
      timestamp: timestamp(s.startedAt),
    },
    children: [
      {
        name: 'properties',
        children: [
          property('topology', `${s.topology.replicas} × ${s.topology.workers}`),
          property('routing', s.routing),
          property('seed', String(s.seed)),
          ...(s.diagnosis ? [property('signature', s.diagnosis.signature)] : []),
          property('replay', s.replay),
        ],
      },
      ...cases,
      ...(out ? [{ name: 'system-out', content: cdata(out) }] : []),
    ],
  };
}

function testcases(s: ScenarioResult, file: string, cwd: string | undefined): XmlElement[] {
  const at = (line: number | undefined) => ({ classname: s.name, file, line });
  const cases: XmlElement[] = [];
  if (s.status === 'skipped')
    cases.push({
      name: 'testcase',
      attrs: { name: s.name, ...at(undefined) },
      children: [{ name: 'skipped' }],
    });
  if (s.error) {
    cases.push({
      name: 'testcase',
      attrs: { name: 'could not run', ...at(undefined), time: seconds(s.durationMs) },
      children: [
        problem(
          'error',
          s.error.code,
          `${s.error.code}: ${firstLine(s.error.message)}${notRunText(s)}`,
          s.error.message,
        ),
      ],
    });
  }
  const lineOf = (step: number) => turnsOf(s).find((t) => t.step === step)?.at.line;
  for (const l of s.leaks) {
    cases.push({
      name: 'testcase',
      attrs: { name: `leak: ${l.from.label} → ${l.into.label}`, ...at(lineOf(l.into.step)) },
      children: [
        problem(
          'failure',
          'leak',
          `leak: ${leakText(l)}`,
          `${leakText(l)}\nmemory is not keyed by session: key it by the session id`,
        ),
      ],
    });
  }
  for (const v of s.vacuous) {
    cases.push({
      name: 'testcase',
      attrs: { name: `vacuous recall ${quoted(v.expected)}`, ...at(v.at.line) },
      children: [
        problem(
          'error',
          'vacuous',
          `vacuous recall ${quoted(v.expected)}: ${vacuousText(v)}`,
          `${vacuousText(v)}\nthe recall would pass without any memory: expect a fact only the conversation says`,
        ),
      ],
    });
  }
  for (const t of turnsOf(s)) {
    if (t.expectations.length === 0 && t.passed) continue;
    // CI annotates this line: the first failed expectation, or the turn itself.
    cases.push(turnCase(t, at(failedOf(t)[0]?.at.line ?? t.at.line), cwd));
  }
  return cases;
}

function turnCase(
  t: TurnRecord,
  at: Record<string, string | number | undefined>,
  cwd: string | undefined,
): XmlElement {
  const failed = failedOf(t);
  const attrs = { name: `${t.label}: ${clip(oneLine(t.user), 60)}`, ...at, time: seconds(t.latencyMs) };
  if (t.passed) return { name: 'testcase', attrs };
  const message =
    failed.map((e) => `${expectationText(e)}: ${e.message}`).join('; ') || t.failure?.message || 'failed';
  const type = [...new Set(failed.map((e) => e.kind))].join(',') || 'turn';
  return {
    name: 'testcase',
    attrs,
    children: [problem('failure', type, message, turnEvidence(t, { cwd }).join('\n'))],
  };
}

function problem(kind: 'failure' | 'error', type: string, message: string, body: string): XmlElement {
  return { name: kind, attrs: { message: brief(message, 1000), type }, content: cdata(body) };
}

function property(name: string, value: string): XmlElement {
  return { name: 'property', attrs: { name, value } };
}

function systemOut(s: ScenarioResult, cwd: string | undefined): string {
  const lines: string[] = [];
  const d = diagnosisText(s);
  if (d) {
    lines.push(
      `diagnosis:${d.signature ? ` ${d.signature}` : ''}`,
      ...d.findings,
      ...d.notes,
      ...d.turns,
      ...d.advice.map((a) => `advice: ${a}`),
    );
  }
  if (s.status === 'failed' || s.status === 'error') {
    if (s.artifactsDir) lines.push(`artifacts: ${relativeTo(s.artifactsDir, cwd)}`);
    lines.push(`replay: ${s.replay}`);
  }
  return lines.join('\n');
}

/** JUnit's timestamp: ISO 8601 without a zone (UTC here), from the data. */
function timestamp(ms: number): string | undefined {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 19) : undefined;
}
