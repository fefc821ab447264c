import { readFile, stat } from 'node:fs/promises';
import type { InputProblem } from '../errors.ts';
import { SourceDocument } from './document.ts';
import { LIMITS } from './primitives.ts';

const whole = (file: string, message: string, hint?: string | undefined): InputProblem => ({
  file,
  line: 1,
  column: 1,
  field: '',
  message,
  ...(hint ? { hint } : {}),
});

/**
 * Why a path the user gave cannot be used, from the system's error: a loop of symbolic links, a
 * path too long for the system, no permission… (`what` is the thing named, e.g. `the scenario file`).
 */
export function pathProblem(file: string, what: string, e: unknown): InputProblem {
  const code = (e as NodeJS.ErrnoException).code;
  const shown =
    file.length > 200 ? `${file.slice(0, 120)}…(${file.length.toLocaleString('en')} characters)` : file;
  const [message, hint] =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? [`${what} does not exist`, 'check the path (it is relative to the current directory)']
      : code === 'ELOOP'
        ? [
            `${what} is a symbolic link that leads back to itself (ELOOP)`,
            'point the link at a real file, or remove it',
          ]
        : code === 'ENAMETOOLONG'
          ? [
              `${what} is a path of ${file.length.toLocaleString('en')} characters, more than the system accepts (ENAMETOOLONG)`,
              'give a shorter path: a folder, a file, or a glob such as scenarios/**/*.yaml',
            ]
          : code === 'EACCES' || code === 'EPERM'
            ? [`${what} cannot be read: permission denied (${code})`, 'give amnesia read access to it']
            : [`${what} cannot be read: ${(e as Error).message}`, undefined];
  return whole(shown, message, hint);
}

/**
 * Read a YAML file the user wrote: it exists, is a file of sane size, parses, and is a map.
 * Returns the document (for positions) and its plain value, or the problems.
 */
export async function readYamlMap(
  file: string,
  what: string,
  example: string,
): Promise<{ src: SourceDocument; value: Record<string, unknown> } | { problems: InputProblem[] }> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) return { problems: [whole(file, `${what} is not a file`)] };
    size = st.size;
  } catch (e) {
    return { problems: [pathProblem(file, what, e)] };
  }
  if (size > LIMITS.fileBytes) {
    return {
      problems: [
        whole(
          file,
          `${what} is ${(size / 1024 / 1024).toFixed(1)} MiB; the limit is ${LIMITS.fileBytes / 1024 / 1024} MiB`,
          'a scenario is a conversation, not data: split it, or move large texts out of it',
        ),
      ],
    };
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return { problems: [pathProblem(file, what, e)] };
  }
  return parseYamlMap(file, text, what, example);
}

/** Parse YAML text that must be a map (the file was already read). */
export function parseYamlMap(
  file: string,
  text: string,
  what: string,
  example: string,
): { src: SourceDocument; value: Record<string, unknown> } | { problems: InputProblem[] } {
  const src = new SourceDocument(file, text);
  const syntax = src.syntaxProblems();
  if (syntax.length > 0) return { problems: syntax };
  let value: unknown;
  try {
    value = src.doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // yaml refuses aliases that multiply a small file into a huge value (an "alias bomb").
    return {
      problems: [
        whole(
          file,
          `${what} could not be read: ${e instanceof Error ? e.message : String(e)}`,
          'YAML aliases (*name) that expand to many copies of anchors (&name) are refused: write the values out',
        ),
      ],
    };
  }
  if (value === null || value === undefined) {
    return { problems: [whole(file, `${what} is empty`, `start from:\n${example}`)] };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    const found = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    return {
      problems: [
        src.problem([], `${what} must be a map of keys, but it is ${found}`, `start from:\n${example}`),
      ],
    };
  }
  return { src, value: value as Record<string, unknown> };
}
