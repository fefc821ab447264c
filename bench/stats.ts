/**
 * The figures every bench quotes: the machines they run on are shared and noisy, so a bench
 * quotes medians (and, where it pairs two commands, the median of the pair-by-pair ratios).
 */

/** The median: the middle value, or the mean of the two middle ones for an even count. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no samples');
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** `0.84 s (0.80–0.95)`: the median, then the smallest and largest sample. */
export function spread(xs: readonly number[], format: (x: number) => string): string {
  return `${format(median(xs))} (${format(Math.min(...xs))}–${format(Math.max(...xs))})`;
}
