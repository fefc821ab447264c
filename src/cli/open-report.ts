import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Io } from './output.ts';

/** When `run` opens its HTML report in a browser (Playwright's `open` option, same words). */
export type OpenWhen = 'on-failure' | 'always' | 'never';

export const OPEN_CHOICES = ['on-failure', 'always', 'never'] as const;

/**
 * Whether to open the HTML report: `always` does; `never` does not; `on-failure` (the default)
 * only after a run that did not pass, on a terminal, and never in CI (`CI` set), where nobody
 * would look at the window.
 */
export function shouldOpen(when: OpenWhen, exitCode: number, io: Pick<Io, 'stdout' | 'env'>): boolean {
  if (when === 'always') return true;
  if (when === 'never') return false;
  const ci = io.env.CI !== undefined && io.env.CI !== '' && io.env.CI !== 'false' && io.env.CI !== '0';
  return exitCode !== 0 && !ci && Boolean((io.stdout as { isTTY?: boolean }).isTTY);
}

/** The system's own opener for a file (`xdg-open`, `open`, `start`): detached, never waited for. */
export function openInBrowser(file: string, io: Io): void {
  const abs = path.resolve(io.cwd, file);
  const [cmd, ...args] =
    process.platform === 'darwin'
      ? ['open', abs]
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '""', abs]
        : ['xdg-open', abs];
  const say = () => io.stdout.write(`open ${file} in a browser to see the report\n`);
  try {
    const child = spawn(cmd as string, args, { detached: true, stdio: 'ignore', env: io.env });
    child.on('error', say);
    child.unref();
  } catch {
    say();
  }
}
