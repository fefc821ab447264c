import path from 'node:path';

/** Programs that run Node.js (and so read NODE_COMPILE_CACHE). */
const NODE_PROGRAMS = new Set(['node', 'nodejs', 'npm', 'npx', 'pnpm', 'yarn', 'tsx']);

/**
 * Whether an `app.command` starts Node.js: its program (after any `NAME=value` assignments and an
 * `exec`), by base name, is one of node, nodejs, npm, npx, pnpm, yarn, tsx.
 *
 * @example runsNode('NODE_ENV=production node server.js') // true
 * @example runsNode(['uvicorn', 'app:app']) // false
 */
export function runsNode(command: string | readonly string[]): boolean {
  const words =
    typeof command === 'string'
      ? command
          .trim()
          .split(/\s+/)
          .filter((w) => !/^[A-Za-z_]\w*=/.test(w))
      : [...command];
  const program = words[0] === 'exec' ? words[1] : words[0];
  return program !== undefined && NODE_PROGRAMS.has(path.basename(program));
}
