import { formatLocation, leakText, servedText } from '../report/evidence.ts';
import { promptExcerpt } from '../report/prompt.ts';
import type { Matcher } from '../scenario/types.ts';
import type { Leak, TurnRecord } from '../types/results.ts';
import { brief } from '../util/text.ts';
import { chatRequests } from '../verdict/prompt.ts';

/**
 * The evidence under a matcher's failure, as the CLI prints it: where the turn ran (and after
 * which disruption), where the fact was said, and what the app sent the LLM.
 */
export function turnReport(
  turn: TurnRecord,
  o: { saidIn?: readonly TurnRecord[]; found?: Matcher; cwd: string },
): string {
  const out = [`  ${servedText(turn)}  ${formatLocation(turn.at, o.cwd)}`];
  for (const t of o.saidIn ?? [])
    out.push(`    said in ${t.label} (${t.worker} pid ${t.pid})  ${formatLocation(t.at, o.cwd)}`);
  if (o.found) {
    const where = foundIn(turn, o.found);
    if (where) out.push(`    found in ${where}`);
  }
  const p = promptExcerpt(turn);
  out.push(`  ${p.title}`, ...p.lines.map((l) => `    ${l}`));
  return out.join('\n');
}

/** `message 2 (user): "…my cat is Miso…"`: the first message of the turn's prompts that holds the text. */
export function foundIn(turn: TurnRecord, m: Matcher): string | undefined {
  const messages = chatRequests(turn.llm).flatMap((r) => r.messages);
  const i = messages.findIndex((msg) => m.test(msg.content.split(turn.user).join(' ')));
  const msg = messages[i];
  if (!msg) return undefined;
  return `message ${i + 1} (${msg.role}): "${excerptAround(msg.content, m.source)}"`;
}

/** Each leak, and the prompt it reached. */
export function leakReport(leaks: readonly Leak[], turns: readonly TurnRecord[], cwd: string): string {
  return leaks
    .map((l) => {
      const into = turns.find((t) => t.step === l.into.step);
      const said = turns.find((t) => t.step === l.from.step)?.user ?? l.text;
      const found = into ? foundIn(into, { source: said, at: into.at, test: (s) => s.includes(said) }) : '';
      return `  leak: ${leakText(l)}${into ? `\n    ${servedText(into)}  ${formatLocation(into.at, cwd)}` : ''}${found ? `\n    found in ${found}` : ''}`;
    })
    .join('\n');
}

function excerptAround(text: string, source: string): string {
  const flat = brief(text, 10_000);
  const i = source.startsWith('/') ? 0 : Math.max(0, flat.indexOf(source));
  const start = Math.max(0, i - 40);
  const end = Math.min(flat.length, i + source.length + 40);
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}
