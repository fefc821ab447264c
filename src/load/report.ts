import path from 'node:path';
import { DISRUPTIONS } from '../disruptions/index.ts';
import { changeText } from '../report/evidence.ts';
import { type Paint, painter } from '../report/paint.ts';
import { formatDuration } from '../util/duration.ts';
import { brief, oneLine, plural } from '../util/text.ts';
import type {
  Latency,
  LoadProgress,
  LoadSessionEvidence,
  LoadTestEvent,
  LoadTestResult,
  LoadTurn,
  LoadWindow,
} from './types.ts';

const count = (n: number) => n.toLocaleString('en-US');
const counted = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/** The last messages of a prompt shown per turn (the JSON result has them all). */
const MAX_PROMPT = 8;

/**
 * One line for the events of a load run worth a line of their own (start, workers ready, a
 * disruption starting and ending); `undefined` for progress (see `formatLoadProgress`) and the end
 * (see `renderLoadSummary`). Pure.
 */
export function formatLoadEvent(e: LoadTestEvent, o: { color: boolean }): string | undefined {
  const paint = painter(o.color);
  switch (e.type) {
    case 'load-start': {
      const head = `${paint('cyan', '▶')} ${paint('bold', 'amnesia load')}  ${count(e.sessions)} sessions × ${e.turnsPerSession} turns, ${e.concurrency} at once, on ${e.topology.replicas} × ${e.topology.workers}  ${paint('dim', `run ${e.runId}`)}`;
      const planned = e.disruptions.map(
        (d) => `  ${paint('dim', `planned: ${oneLine(d.description)} after ${count(d.afterTurns)} turns`)}`,
      );
      return [head, ...planned].join('\n');
    }
    case 'load-ready':
      return `  ${paint('dim', `${counted(e.workers, 'worker')} ready in ${formatDuration(e.bootMs)}`)}`;
    case 'load-disruption-start':
      return `  ${paint('yellow', '⟳')} ${oneLine(e.description)} starts  ${paint('dim', `after ${count(e.progress.sent)} turns`)}`;
    case 'load-disruption': {
      const d = e.disruption;
      const changes = d.changes.map((c) =>
        changeText(c, { generation: DISRUPTIONS[d.type].evidence.generation }),
      );
      const what =
        changes.length > 0
          ? `  ${changes.slice(0, 6).join(', ')}${changes.length > 6 ? ` +${changes.length - 6} more` : ''}`
          : '';
      return `  ${paint('yellow', '⟳')} ${oneLine(d.description)} done${what}  ${paint('dim', formatDuration(d.durationMs))}`;
    }
    case 'load-sweep-start':
      return `  ${paint('cyan', '↻')} sweep after ${oneLine(e.after)}: ${counted(e.sessions, 'session')} ask for all their facts, spread over ${counted(e.workers, 'worker')}`;
    case 'load-sweep': {
      const w = e.sweep;
      const spread = w.workers.map((x) => `${x.worker} ${count(x.turns)}`).join(' · ');
      return `  ${paint('cyan', '↻')} sweep after ${oneLine(w.after)} done: ${count(w.checked)} of ${counted(w.sessions, 'session')} checked${w.failed ? ` · ${failed(w.failed, paint)}` : ''} · ${count(w.memories.kept)} kept · ${bad(w.memories.lost, 'lost', paint)} · ${bad(w.memories.leaked, 'leaked', paint)}  ${paint('dim', `${spread}  ${formatDuration(w.endMs - w.startMs)}`)}`;
    }
    case 'load-progress':
    case 'load-end':
      return undefined;
  }
}

/**
 * `  3,412 / 10,000 turns  128/s  3,400 answered · 12 failed  memories 15,230 kept · 0 lost · 0 leaked`;
 * during a sweep `  10,000 / 10,000 turns + sweep after redeploy all 120 / 1,000 sessions  …`, after
 * it `  10,000 / 10,000 turns + 1,000 sweep  …`. Pure.
 */
export function formatLoadProgress(p: LoadProgress, o: { color: boolean }): string {
  const paint = painter(o.color);
  const rate = p.elapsedMs > 0 ? `${Math.round((p.sent + p.sweepTurns) / (p.elapsedMs / 1000))}/s` : '';
  const sweep = p.sweep
    ? ` + ${paint('cyan', `sweep after ${oneLine(p.sweep.after).replace(/\s*\(.*\)$/, '')}`)} ${count(p.sweep.asked)} / ${count(p.sweep.of)} sessions`
    : p.sweepTurns > 0
      ? ` + ${count(p.sweepTurns)} sweep`
      : '';
  return `  ${count(p.sent)} / ${count(p.total)} turns${sweep}  ${paint('dim', rate)}  ${count(p.answered)} answered · ${failed(p.failed, paint)}  memories ${count(p.kept)} kept · ${bad(p.lost, 'lost', paint)} · ${bad(p.leaked, 'leaked', paint)}`;
}

/** The verdict, counts by window, latency, the attribution audit and the first lost or leaked sessions. Pure. */
export function renderLoadSummary(r: LoadTestResult, o: { color: boolean; cwd: string }): string {
  const paint = painter(o.color);
  const lines: string[] = [];
  const took = `${count(r.turns.sent)} turns in ${formatDuration(r.durationMs)} (${Math.round(r.turnsPerSecond)} turns/s while traffic ran)`;
  if (r.error) lines.push(`${paint('red', '✗ error')}  ${r.error.code}: ${firstLines(r.error.message)}`);
  else if (r.exitCode === 1)
    lines.push(`${paint('red', '✗')} ${paint('bold', r.verdicts.join(' · '))}  ${paint('dim', took)}`);
  else lines.push(`${paint('green', '✓')} ${paint('bold', 'nothing lost or leaked')}  ${paint('dim', took)}`);
  lines.push(
    `  turns     ${count(r.turns.sent)} sent${r.turns.sweep ? ` (${count(r.turns.sweep)} by the sweeps)` : ''} · ${count(r.turns.answered)} answered · ${failed(r.turns.failed, paint)}${r.turns.failed ? ` (accepted: ${acceptedText(r.maxFailed)})` : ''}${r.turns.withoutLlm ? ` · ${paint('red', `${count(r.turns.withoutLlm)} answered without calling the LLM`)}` : ''}`,
    `  memories  ${count(r.memories.kept)} kept · ${bad(r.memories.lost, 'lost', paint)} · ${bad(r.memories.leaked, 'leaked', paint)}`,
    `  latency   ${latencyText(r.latency)}`,
  );
  if (r.windows.length > 0) lines.push(...windowTable(r.windows, paint));
  lines.push(...sweepLines(r, paint));
  lines.push(`  ${auditText(r, paint)}`);
  if (r.failedBy.length > 0) {
    lines.push('  failed turns by window and reason:');
    for (const g of r.failedBy.slice(0, 8))
      lines.push(
        `    ${paint('yellow', count(g.turns).padStart(5))}  ${g.window}: ${brief(oneLine(g.reason), 120)}`,
      );
    if (r.failedBy.length > 8) lines.push(`    … ${r.failedBy.length - 8} more in the JSON result`);
  }
  if (r.failures.length > 0) {
    const of =
      r.turns.failed > r.failures.length ? ` (${r.failures.length} of ${count(r.turns.failed)})` : '';
    lines.push(`  first failed turns${of}:`);
    for (const f of r.failures)
      lines.push(
        `    ${paint('yellow', '!')} ${f.label} → ${f.worker} pid ${f.pid}  ${paint('dim', f.window)}  ${brief(f.message, 140)}`,
      );
  }
  if (r.evidence.length > 0) lines.push('  first sessions that lost or leaked:');
  for (const s of r.evidence) lines.push(...sessionLines(s, paint));
  if (r.artifactsDir) lines.push(`artifacts: ${path.relative(o.cwd, r.artifactsDir) || r.artifactsDir}`);
  return `${lines.join('\n')}\n`;
}

function windowTable(windows: readonly LoadWindow[], paint: Paint): string[] {
  const rows = windows.map((w) => [
    `${w.name} ${oneLine(w.disruption).replace(/\s*\(.*\)$/, '')}`,
    count(w.turns.sent),
    count(w.turns.answered),
    count(w.turns.failed),
    count(w.memories.kept),
    count(w.memories.lost),
    count(w.memories.leaked),
    w.latency ? formatDuration(w.latency.p50) : '–',
    w.latency ? formatDuration(w.latency.p99) : '–',
  ]);
  const head = ['window', 'sent', 'answered', 'failed', 'kept', 'lost', 'leaked', 'p50', 'p99'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    `    ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`;
  return ['  by window', paint('dim', fmt(head)), ...rows.map(fmt)];
}

/**
 * One line per disruption: how many sessions the sweep after it checked, on which workers; a
 * disruption no sweep followed says so (the load cannot have passed).
 */
function sweepLines(r: LoadTestResult, paint: Paint): string[] {
  if (r.disruptions.length === 0) return [];
  const out = ['  checked after each disruption (every session asks for all its facts once more)'];
  r.disruptions.forEach((d, i) => {
    const w = r.sweeps[i];
    const name = oneLine(d.description).replace(/\s*\(.*\)$/, '');
    if (!w) {
      out.push(`    ${paint('red', '✗')} ${name}: no sweep ran, no session was checked after it`);
      return;
    }
    const ok = w.checked > 0 && w.memories.lost === 0 && w.memories.leaked === 0;
    const spread = w.workers.map((x) => `${x.worker} ${count(x.turns)}`).join(' · ');
    const of = w.started > w.sessions ? ` (${count(w.started - w.sessions)} more had no answered turn)` : '';
    out.push(
      `    ${ok ? paint('green', '✓') : paint('red', '✗')} ${name}: ${count(w.checked)} of ${counted(w.sessions, 'session')} checked${of}${w.failed ? ` · ${failed(w.failed, paint)}` : ''} · ${count(w.memories.kept)} kept · ${bad(w.memories.lost, 'lost', paint)} · ${bad(w.memories.leaked, 'leaked', paint)}  ${paint('dim', spread)}`,
    );
  });
  return out;
}

function acceptedText(m: LoadTestResult['maxFailed']): string {
  return 'percent' in m ? `${m.percent}%, ${count(m.allowed)}` : count(m.allowed);
}

function auditText(r: LoadTestResult, paint: Paint): string {
  const a = r.llm;
  const verdict =
    a.misattributed === 0
      ? paint('green', '0 misattributed')
      : paint('red', `${count(a.misattributed)} misattributed: ${a.examples.slice(0, 2).join('; ')}`);
  return `LLM       ${count(a.requests)} requests · ${count(a.attributed)} attributed to their turn by its fact · ${verdict} · ${count(a.unattributed)} outside any turn`;
}

function sessionLines(s: LoadSessionEvidence, paint: Paint): string[] {
  const what = [s.lost ? `lost ${count(s.lost)}` : '', s.leaked ? `leaked ${count(s.leaked)}` : '']
    .filter(Boolean)
    .join(', ');
  const out = [`    ${paint('bold', s.session)} (${s.sessionId})  ${paint('red', what)}`];
  for (const t of s.turns) out.push(...turnLines(t, paint));
  return out;
}

function turnLines(t: LoadTurn, paint: Paint): string[] {
  const mark = t.failure
    ? paint('yellow', '!')
    : t.lost.length || t.leaked.length
      ? paint('red', '✗')
      : paint('green', '✓');
  const head = `      ${mark} ${t.label}${t.sweepAfter ? ' (sweep)' : ''} → ${t.worker} pid ${t.pid} gen ${t.generation}  ${paint('dim', `${t.window}, ${formatDuration(t.latencyMs)}`)}`;
  const out = [head];
  if (t.failure) out.push(`          failed: ${brief(t.failure, 160)}`);
  for (const l of t.lost)
    out.push(
      l.answer
        ? `          forgot its answer to ${l.saidIn} on ${l.worker} (the user saw it; ${l.canary} itself was kept)`
        : `          forgot ${l.canary}, said in ${l.saidIn} on ${l.worker}`,
    );
  for (const l of t.leaked)
    out.push(`          ${paint('red', 'leak')}: ${l.canary} of ${l.session} is in this prompt`);
  if (t.prompt) {
    const shown = t.prompt.length > MAX_PROMPT ? `, the last ${MAX_PROMPT}` : '';
    out.push(`          prompt (${plural(t.prompt.length, 'message')}${shown}):`);
    for (const m of t.prompt.slice(-MAX_PROMPT)) out.push(`            ${m.role}: ${brief(m.content, 160)}`);
  }
  return out;
}

function latencyText(l: Latency | null): string {
  return l
    ? `p50 ${formatDuration(l.p50)} · p90 ${formatDuration(l.p90)} · p99 ${formatDuration(l.p99)} · max ${formatDuration(l.max)}`
    : 'no answered turn';
}

function failed(n: number, paint: Paint): string {
  return n > 0 ? paint('yellow', `${count(n)} failed`) : '0 failed';
}

function bad(n: number, word: string, paint: Paint): string {
  return n > 0 ? paint('red', `${count(n)} ${word}`) : `0 ${word}`;
}

function firstLines(message: string): string {
  return message.split('\n').slice(0, 12).join('\n  ');
}
