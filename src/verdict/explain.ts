import type {
  Diagnosis,
  DisruptionStepRecord,
  ExpectationResult,
  Rung,
  ScenarioResult,
  TurnExplanation,
  TurnRecord,
} from '../types/results.ts';
import { nameAppError } from './app-error.ts';
import { replacedCookie } from './cookies.ts';
import { crossing, crossingText, movedAcross } from './crossing.ts';
import { FAILURE_TABLE } from './failure-table.ts';
import { chatRequests } from './prompt.ts';
import { type TrimmedHistory, trimmedHistory } from './trim.ts';

/**
 * Why each failed turn failed, from its own evidence. A probe row is attached to a turn only when
 * the crossing the turn made since the fact was said (another worker, another replica, a restart,
 * a crash, a redeploy) is one the probe's signature loses; otherwise the turn says the probe does
 * not explain it, and looks for what does: a history trimmed to its latest messages (row 4), a
 * loss the verdict traced to traffic (row 9 a lost update, row 10 a turn lost in flight), or the
 * app's own error (row 5 when it points at the memory's type).
 */
export function explainFailures(
  s: Pick<ScenarioResult, 'steps' | 'diagnosis'> & Partial<Pick<ScenarioResult, 'leaks'>>,
): TurnExplanation[] {
  const turns = s.steps.filter((x): x is TurnRecord => x.kind === 'turn');
  const disruptions = s.steps.filter((x): x is DisruptionStepRecord => x.kind === 'disruption');
  return turns.flatMap((t) => {
    if (t.passed) return [];
    const leak = (s.leaks ?? []).find((l) => l.into.step === t.step);
    const dropped = t.expectations.find((x) => !x.passed && x.kind === 'answered' && x.cause);
    const e = dropped
      ? trafficLoss(t, dropped, [])
      : t.failure
        ? appFailure(t)
        : leak && !t.expectations.some((x) => !x.passed && x.kind !== 'forget')
          ? {
              step: t.step,
              label: t.label,
              crossing: [],
              rows: ['7'],
              text: `${t.label}: ${leak.from.label}'s message (another session) reached its prompt: memory is not keyed by session`,
            }
          : (lostAnswerOnly(t) ?? missedRecall(t, turns, disruptions, s.diagnosis));
    return e ? [e] : [];
  });
}

/**
 * A loss only traffic shows, from the verdict's own words: a lost update (row 9: one of two turns
 * of a session answered at once erased the other's write) or a turn lost in flight (row 10:
 * dropped, or answered and then forgotten, when its worker was stopped).
 */
function trafficLoss(t: TurnRecord, e: ExpectationResult, crossed: Rung[]): TurnExplanation {
  return {
    step: t.step,
    label: t.label,
    crossing: crossed,
    rows: [e.cause === 'lost-update' ? '9' : '10'],
    text: `${t.label}: ${e.message}`,
  };
}

/**
 * A turn whose only loss is an earlier answer (its message kept): a lost update (row 9) or a turn
 * in flight (row 10) when the answer was given at once with another turn or during a disruption;
 * otherwise the app did not keep what it answered, which no row of the table names.
 */
function lostAnswerOnly(t: TurnRecord): TurnExplanation | undefined {
  const failed = t.expectations.filter((x) => !x.passed);
  const answer = failed.find((x) => x.kind === 'answer_kept');
  if (!answer || failed.some((x) => x.kind === 'recall' || x.kind === 'recall_recent')) return undefined;
  if (answer.cause) return trafficLoss(t, answer, answer.cause === 'lost-update' ? ['CC'] : []);
  return { step: t.step, label: t.label, crossing: [], rows: [], text: `${t.label}: ${answer.message}` };
}

function appFailure(t: TurnRecord): TurnExplanation | undefined {
  const named = nameAppError([t.failure?.message ?? '', ...(t.failure?.outputTail ?? [])]);
  if (!named) return undefined;
  return {
    step: t.step,
    label: t.label,
    crossing: [],
    rows: named.typeMismatch ? ['5'] : [],
    text: named.typeMismatch
      ? `${t.label}: the app failed on its memory object: ${named.text}: likely a type mismatch (a list where a memory object is expected)`
      : `${t.label}: the app failed: ${named.text}`,
  };
}

function missedRecall(
  t: TurnRecord,
  turns: readonly TurnRecord[],
  disruptions: readonly DisruptionStepRecord[],
  d: Diagnosis | undefined,
): TurnExplanation | undefined {
  if (t.expectations.some((e) => e.kind === 'llm_called' && !e.passed)) {
    return {
      step: t.step,
      label: t.label,
      crossing: [],
      rows: [],
      text: `${t.label}: the app answered without calling the LLM, so nothing it remembered could reach it`,
    };
  }
  const missed = t.expectations.filter(
    (e) => !e.passed && (e.kind === 'recall' || e.kind === 'recall_recent') && e.saidIn?.length,
  );
  const latest = missed.flatMap((e) => e.saidIn ?? []).sort((a, b) => b.step - a.step)[0];
  // Turns sent at once share a step: the label tells them apart.
  const said = turns.find((x) => x.step === latest?.step && x.label === latest?.label);
  if (!said) return undefined;
  const what = missed[0]?.kind === 'recall' ? `"${missed[0].expected}"` : 'the message';
  const earlier = turns.filter((x) => x.session === t.session && x.step < t.step);
  const trim = trimmedHistory(t, earlier);
  const older =
    trim &&
    !trim.held.includes(said.label) &&
    said.step <= trim.oldestStep &&
    !cutAtCrossing(t, earlier, trim, disruptions)
      ? trim
      : undefined;
  const moved = crossing(said, t, disruptions);
  const rungs: Rung[] = older && moved[0] !== 'SW' ? [...moved, 'LT'] : moved;
  const crossed = crossingText(said, t, rungs);
  const judged = (kept: boolean) => rungs.filter((r) => keptOn(d, r) === kept);
  const lost = judged(false);
  const base = { step: t.step, label: t.label, crossing: rungs };
  const rowList = d ? d.rows.map((r) => r.id).filter((id, i, all) => all.indexOf(id) === i) : [];
  const rowsText = rowList.length > 0 ? `row ${rowList.join(', ')}` : '';

  const cookie = moved[0] !== 'SW' ? replacedCookie(t) : undefined;
  if (cookie) {
    return {
      ...base,
      rows: ['11'],
      text: `${t.label}: ${crossed}, which answered by replacing the session's cookie \`${cookie.name}\` (sent ${cookie.sent} B) with a fresh one (${cookie.set} B): client-held state rejected by another process (a per-process signing or encryption key): row 11`,
    };
  }
  if (d && lost.length > 0) {
    const held = older ? ` (${heldText(older)})` : '';
    const rows = rowsExplaining(rowList, lost);
    const named = rows.length > 0 ? `: row ${rows.join(', ')}` : '';
    return {
      ...base,
      rows,
      text: `${t.label}: ${crossed}${held}, where the probe lost its fact too (${marks(lost, '✗')})${named}`,
    };
  }
  const late = lateSave(t, said, earlier, disruptions, d);
  if (late) {
    return {
      ...base,
      crossing: [...rungs, 'CI'],
      rows: ['12'],
      text: `${t.label}: ${crossed}; ${late}: row 12`,
    };
  }
  // A loss the probe's rungs do not explain but the verdict traced to traffic: rows 9 and 10.
  const traffic = missed.find((e) => e.cause);
  if (traffic) return trafficLoss(t, traffic, rungs);
  // When the probe kept every fact, the report says so once; a turn need not repeat it.
  const notExplained = d?.reproduced
    ? `${rowsText ? `the probe's ${rowsText} does not explain it: ` : 'the probe does not explain it: '}${crossed}, ${probeKept(d, rungs)}`
    : '';
  if (older) {
    const recent = t.expectations.find((e) => e.kind === 'recall_recent' && e.passed);
    const intended = recent
      ? `; this turn's own recall_recent (${recent.expected}) holds, so the window may be intended`
      : '';
    return {
      ...base,
      rows: ['4'],
      text: `${t.label}: the history reached the LLM ${heldText(older)}; ${said.label}, where ${what} was said, is older: a memory window or token limit${intended}${notExplained ? `. ${cap(notExplained)}` : ''}`,
    };
  }
  if (!d) return undefined;
  return {
    ...base,
    rows: [],
    text: `${t.label}: ${notExplained ? `${notExplained}; nothing else` : 'nothing'} in its evidence explains it: start from its prompt`,
  };
}

/**
 * A save that had not landed (row 12). After a crash: the turn lost is the session's last before a
 * crash of its worker, and either the earlier turns of the session reached the prompt across that
 * crash (the store kept them: only the last answer's save was late) or the probe lost a fact when
 * it crashed at once after the answer and kept it after a pause (CI ✗, CR ✓). Without a crash,
 * only with the probe's CI ✗ CR ✓: the prompt lacks the latest turns and holds all before them.
 */
function lateSave(
  t: TurnRecord,
  said: TurnRecord,
  earlier: readonly TurnRecord[],
  disruptions: readonly DisruptionStepRecord[],
  d: Diagnosis | undefined,
): string | undefined {
  const prompt = chatRequests(t.llm)
    .flatMap((r) => r.messages.map((m) => m.content))
    .join('\n');
  const before = earlier.filter((x) => x.step < said.step);
  const keptBefore = before.length > 0 && before.every((x) => prompt.includes(x.user));
  const probe = keptOn(d, 'CI') === false && keptOn(d, 'CR') === true;
  const crash = disruptions.find(
    (x) =>
      x.type === 'crash' &&
      x.step > said.step &&
      x.step < t.step &&
      x.changes.some((c) => c.id === said.worker),
  );
  if (!crash) {
    // No crash: the turn read the history before the latest saves landed. Only the probe can say
    // so (another worker's RAM loses the latest turns too): CI ✗ where CR ✓, and this turn holds
    // every turn before the fact but none from it on.
    const since = earlier.filter((x) => x.step >= said.step);
    if (!probe || (before.length > 0 && !keptBefore) || since.some((x) => prompt.includes(x.user)))
      return undefined;
    return `${said.label}${since.length > 1 ? ` and the ${since.length - 1} turn${since.length > 2 ? 's' : ''} after it` : ''} ${since.length > 1 ? 'are' : 'is'} missing${before.length > 0 ? ' while every earlier turn reached the prompt' : ''}: this turn read the history before the save of the latest answers had landed (the probe lost a fact to a crash at once after the answer and kept one after a pause: CI ✗, CR ✓), so the app answers before it saves`;
  }
  if (earlier.some((x) => x.step > said.step && x.step < crash.step)) return undefined;
  if (!keptBefore && !probe) return undefined;
  const range = before.length === 1 ? before[0]?.label : `${before[0]?.label}–${before.at(-1)?.label}`;
  return [
    `${said.label} was its last turn before the crash`,
    keptBefore ? `, the only one lost (${range} kept)` : '',
    `: the save of its answer had not landed when the worker was killed, likely not awaited`,
    probe
      ? ' (the probe too lost a fact to a crash at once after the answer, and kept one after a pause: CI ✗, CR ✓)'
      : '',
  ].join('');
}

/**
 * Whether the history the prompt held is exactly what the asking process (or its disk) heard: the
 * turns it lacks crossed a rung to reach the asking turn (another worker or replica, a restart, a
 * crash, a redeploy) that none of the turns it holds crossed. That is memory lost at the crossing
 * (a process's RAM across a redeploy keeps only the turns it served since), not a window, which
 * keeps the latest turns wherever they were served.
 */
function cutAtCrossing(
  t: TurnRecord,
  earlier: readonly TurnRecord[],
  trim: TrimmedHistory,
  disruptions: readonly DisruptionStepRecord[],
): boolean {
  const dropped = earlier.filter((x) => x.step <= trim.oldestStep && !trim.held.includes(x.label)).at(-1);
  if (!dropped) return false;
  const held = earlier.filter((x) => trim.held.includes(x.label));
  const keptAcross = rungsKeptAcross([...earlier, t], disruptions);
  const lost = movedAcross(dropped, t, disruptions).filter((r) => r !== 'SW' && !keptAcross.has(r));
  return lost.some((r) => held.every((h) => !movedAcross(h, t, disruptions).includes(r)));
}

/** Rungs some prompt of the session was seen to keep a turn across (so memory is not lost there). */
function rungsKeptAcross(
  turns: readonly TurnRecord[],
  disruptions: readonly DisruptionStepRecord[],
): Set<Rung> {
  const kept = new Set<Rung>();
  for (const x of turns) {
    const prompt = chatRequests(x.llm)
      .flatMap((r) => r.messages.map((m) => m.content))
      .join('\n');
    for (const y of turns) {
      if (y.step >= x.step || !prompt.includes(y.user)) continue;
      for (const r of movedAcross(y, x, disruptions)) kept.add(r);
    }
  }
  return kept;
}

/**
 * The probe's rows that can explain a loss at these rungs: a row whose signature loses one of them.
 * A row that leaves a rung open (row 3 says nothing of CC: two workers of a replica share its
 * disk) cannot explain a loss there; a CC loss no row explains is a lost update, row 9.
 */
function rowsExplaining(ids: readonly string[], lost: readonly Rung[]): string[] {
  const losing = (rungs: readonly Rung[]) =>
    ids.filter((id) =>
      FAILURE_TABLE.some((row) => row.id === id && rungs.some((r) => row.kept?.[r] === false)),
    );
  // A loss the turn's move explains (another replica's disk) needs no lost update besides.
  const moved = losing(lost.filter((r) => r !== 'CC'));
  if (moved.length > 0) return moved;
  const rows = losing(lost);
  return rows.length === 0 && lost.includes('CC') ? ['9'] : rows;
}

function keptOn(d: Diagnosis | undefined, rung: Rung): boolean | null {
  return d?.rungs.find((r) => r.rung === rung)?.kept ?? null;
}

/** `where the probe kept its fact (SW ✓)`, or which rungs it did not judge. */
function probeKept(d: Diagnosis, rungs: readonly Rung[]): string {
  const kept = rungs.filter((r) => keptOn(d, r) === true);
  const unjudged = rungs.filter((r) => keptOn(d, r) === null);
  return [
    kept.length > 0 ? `where the probe kept its fact (${marks(kept, '✓')})` : '',
    unjudged.length > 0 ? `which the probe did not judge (${marks(unjudged, '–')})` : '',
  ]
    .filter(Boolean)
    .join(', and ');
}

/** `trimmed to the last 8 of 22 messages (main#8–main#11)` */
function heldText(t: TrimmedHistory): string {
  const range = t.from === t.to ? t.from : `${t.from}–${t.to}`;
  return `trimmed to the last ${t.messages} of ${t.of} messages (${range})`;
}

const marks = (rungs: readonly Rung[], mark: string) => rungs.map((r) => `${r} ${mark}`).join(', ');
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
