import { parseWorkerId, type WorkerId } from '../../scenario/workers.ts';
import type { DisruptionStepRecord, ScenarioResult, StepRecord, TurnRecord } from '../../types/results.ts';
import { oneLine } from '../../util/text.ts';
import { esc } from './escape.ts';

/** Where each step of a scenario sits: a column per moment; turns at once, and a turn in flight with its disruption, share one. */
export interface Moment {
  turns: TurnRecord[];
  disruption?: DisruptionStepRecord;
}

export function momentsOf(steps: readonly StepRecord[]): Moment[] {
  const moments: Moment[] = [];
  const byDisruption = new Map<number, Moment>();
  const placed = new Map<string, Moment>();
  // Disruptions first, so a turn in flight during one finds its column even when it was recorded before it.
  for (const s of steps) if (s.kind === 'disruption') byDisruption.set(s.step, { turns: [], disruption: s });
  const seen = new Set<Moment>();
  const push = (m: Moment) => {
    if (!seen.has(m)) {
      seen.add(m);
      moments.push(m);
    }
  };
  for (const s of steps) {
    if (s.kind === 'disruption') {
      push(byDisruption.get(s.step) as Moment);
      continue;
    }
    const flight = s.inFlight ? byDisruption.get(s.inFlight.step) : undefined;
    const partner = s.together?.map((o) => placed.get(o.label)).find((m) => m !== undefined);
    const m = flight ?? partner ?? { turns: [] };
    m.turns.push(s);
    placed.set(s.label, m);
    push(m);
  }
  return moments;
}

/** Every worker the scenario had, replica by replica (scale-ups included). */
export function lanesOf(s: ScenarioResult): WorkerId[] {
  const ids = new Set<WorkerId>();
  for (let r = 1; r <= s.topology.replicas; r++)
    for (let w = 1; w <= s.topology.workers; w++) ids.add(`r${r}w${w}`);
  for (const step of s.steps) {
    if (step.kind === 'turn') ids.add(step.worker);
    else for (const c of step.changes) ids.add(c.id);
  }
  return [...ids].sort((a, b) => {
    const x = parseWorkerId(a);
    const y = parseWorkerId(b);
    return x.replica - y.replica || x.worker - y.worker;
  });
}

export const turnAnchor = (slug: string, t: TurnRecord) => `t-${slug}-${t.step}-${t.label.replace('#', '-')}`;

const COL = 96;
const LANE = 30;
const LEFT = 64;
const TOP = 26;
const GAP = 8;

/**
 * A swimlane timeline as inline SVG: one lane per worker (grouped by replica), each turn a mark on
 * the lane that served it (green kept, red failed; a link to its evidence), each disruption a band
 * across the lanes it hit, in the order things happened.
 */
export function timelineSvg(s: ScenarioResult): string {
  const lanes = lanesOf(s);
  const moments = momentsOf(s.steps);
  if (moments.length === 0) return '';
  const width = LEFT + moments.length * COL + 8;
  // A gap before each replica but the first: replicas are hosts, workers of one share its disk.
  const gapsBefore = (i: number) =>
    lanes
      .slice(1, i + 1)
      .filter((id, k) => parseWorkerId(id).replica !== parseWorkerId(lanes[k] as WorkerId).replica).length;
  const rowY = (i: number) => TOP + i * LANE + gapsBefore(i) * GAP;
  const height = rowY(lanes.length - 1) + LANE + 6;
  const y = (id: WorkerId) => rowY(lanes.indexOf(id));
  const parts: string[] = [];
  lanes.forEach((id, i) => {
    const { replica, worker } = parseWorkerId(id);
    const firstOfReplica = i === 0 || parseWorkerId(lanes[i - 1] as WorkerId).replica !== replica;
    parts.push(
      `<rect class="lane" x="${LEFT}" y="${y(id) + 3}" width="${width - LEFT - 8}" height="${LANE - 6}" rx="4"/>`,
      `<text x="4" y="${y(id) + LANE / 2 + 4}">${firstOfReplica ? `r${replica} ` : ''}w${worker}</text>`,
    );
  });
  moments.forEach((m, col) => {
    const x = LEFT + col * COL;
    if (m.disruption) {
      const d = m.disruption;
      const hit = d.changes.length > 0 ? d.changes.map((c) => c.id) : lanes;
      const rows = hit.map((id) => lanes.indexOf(id)).filter((i) => i >= 0);
      const top = Math.min(...rows);
      const bottom = Math.max(...rows);
      parts.push(
        `<g><title>${esc(oneLine(d.description))}</title><rect class="band" x="${x + 4}" y="${rowY(top) + 1}" width="${COL - 8}" height="${rowY(bottom) + LANE - rowY(top) - 2}" rx="4"/></g>`,
        `<text x="${x + 6}" y="${TOP - 8}">${esc(bandLabel(d))}</text>`,
      );
    }
    m.turns.forEach((t, k) => {
      const inset = m.disruption ? 14 : 6;
      const w = Math.max(24, (COL - inset - 6) / Math.max(1, sameLane(m.turns, t)));
      const offset = m.turns.filter((o, j) => j < k && o.worker === t.worker).length * w;
      const status = t.passed ? 'kept' : 'failed';
      parts.push(
        `<a href="#${esc(turnAnchor(s.slug, t))}" aria-label="${esc(`${t.label} on ${t.worker} pid ${t.pid}: ${status}`)}">` +
          `<title>${esc(`${t.label} on ${t.worker} pid ${t.pid}${t.generation > 1 ? ` (generation ${t.generation})` : ''}: ${status}`)}</title>` +
          `<rect class="${t.passed ? 'turn-ok' : 'turn-bad'}" x="${x + inset + offset}" y="${y(t.worker) + 6}" width="${w - 2}" height="${LANE - 12}" rx="3"/>` +
          `<text x="${x + inset + offset + 3}" y="${y(t.worker) + LANE / 2 + 4}" class="mark-text">${esc(t.label.replace(/^.*#/, '#'))}</text></a>`,
      );
    });
    if (!m.disruption && m.turns.length > 0)
      parts.push(`<text x="${x + 6}" y="${TOP - 8}">${esc(momentLabel(m))}</text>`);
  });
  return `<svg role="group" aria-labelledby="tl-${esc(s.slug)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title id="tl-${esc(s.slug)}">${esc(`Timeline of ${s.name}: ${lanes.length} workers, ${moments.length} moments`)}</title>${parts.join('')}</svg>`;
}

function sameLane(turns: readonly TurnRecord[], t: TurnRecord): number {
  return turns.filter((o) => o.worker === t.worker).length;
}

function bandLabel(d: DisruptionStepRecord): string {
  const text = oneLine(d.description).replace(/\s*\(.*\)$/, '');
  return text.length > 14 ? `${text.slice(0, 13)}…` : text;
}

function momentLabel(m: Moment): string {
  if (m.turns.length > 1) return 'at once';
  const t = m.turns[0] as TurnRecord;
  return t.session.length > 12 ? `${t.session.slice(0, 11)}…` : t.session;
}
