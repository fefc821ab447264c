import { renderTemplate } from './template.ts';

const SAFE = /^[\w@%+=:,./-]+$/;

/** One argument for /bin/sh, quoted only when it needs to be (`a;b` → `'a;b'`, `it's` → `'it'\''s'`). */
export function shellQuote(arg: string): string {
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Fill `{{name}}` placeholders in a shell command line, each value quoted (a folder with a space stays one argument). */
export function renderShell(command: string, vars: Readonly<Record<string, string | number>>): string {
  const quoted = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, shellQuote(String(v))]));
  return renderTemplate(command, quoted);
}
