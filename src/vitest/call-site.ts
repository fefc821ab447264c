import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceLocation } from '../scenario/types.ts';

/** amnesia's own code (src/ in the repository, dist/ when installed): never a caller's site. */
const OWN = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const FRAME = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/;

/**
 * Where the test called into amnesia: the first stack frame outside amnesia, node's internals and
 * node_modules (so `say()` points at the test's line, as msw's handlers remember theirs).
 */
export function callSite(): SourceLocation {
  const stack = new Error().stack ?? '';
  for (const line of stack.split('\n').slice(1)) {
    const m = FRAME.exec(line.trim());
    if (!m) continue;
    const file = m[1]?.startsWith('file://') ? fileURLToPath(m[1]) : (m[1] ?? '');
    if (file.startsWith(`${OWN}${path.sep}`) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return { file: 'unknown', line: 0, column: 0 };
}
