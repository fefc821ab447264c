import { readdirSync, readFileSync } from 'node:fs';

/** Live processes whose environment holds `AMNESIA_TEST_MARK=<mark>` (zombies are already dead). */
export function markedProcesses(mark: string): string[] {
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
        return (
          environ.includes(`AMNESIA_TEST_MARK=${mark}\0`) &&
          !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
        );
      } catch {
        return false; // gone while we looked
      }
    });
}
