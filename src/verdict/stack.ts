import type { AppStack } from '../types/results.ts';

/**
 * What to do about a row where the framework, not the app's own code, writes the history: the
 * generic advice ("append, never write the whole history back") cannot be applied to a
 * checkpointer. Recognised from the packages the app's source imports.
 */
interface KnownStack {
  name: string;
  /** Whether an import specifier is this stack's. */
  imports: (specifier: string) => boolean;
  /** Advice per row of the failure table, in the stack's own terms. */
  advice: Partial<Record<string, string>>;
}

const STACKS: readonly KnownStack[] = [
  {
    name: 'LangGraph',
    imports: (s) => s.startsWith('@langchain/langgraph'),
    advice: {
      '9': "the checkpointer writes the thread's whole state after each run and cannot be made to append: run one graph invocation per thread at a time (a lock or a queue per `thread_id` in your server; LangGraph's own server calls this double texting and offers reject or enqueue)",
    },
  },
  {
    name: 'LlamaIndex',
    imports: (s) => s === 'llamaindex' || s.startsWith('@llamaindex/'),
    advice: {
      '9': "a memory snapshot (`snapshot()` / `loadMemory()`) or a chat store's `setMessages` writes the session's whole history: store one row per message and append the turn's new messages, or hold a lock per session from loading the memory to saving it",
    },
  },
  {
    name: 'the Vercel AI SDK',
    imports: (s) => s === 'ai' || s.startsWith('@ai-sdk/'),
    advice: {
      '9': "the persistence guide's `saveChat` writes the whole chat back: save only the turn's new messages, appended (a row per message), or hold a lock per chat id from `loadChat` to `saveChat`",
      '12': 'a save in `onEnd` or `onFinish` runs after the answer has gone out and nothing awaits it: await the save in the route before it answers (read the text, save, then reply)',
    },
  },
];

/** The known stack the app's imports name first, and the import that shows it. */
export function stackOf(specifiers: readonly string[]): AppStack | undefined {
  for (const stack of STACKS) {
    const imported = specifiers.find(stack.imports);
    if (imported) return { name: stack.name, imported };
  }
  return undefined;
}

/** The advice for this row in the stack's own terms, when there is any. */
export function stackAdvice(stack: AppStack | undefined, row: string): string | undefined {
  return stack ? STACKS.find((s) => s.name === stack.name)?.advice[row] : undefined;
}
