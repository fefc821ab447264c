/**
 * The two ways amnesia writes a duration, in one place: as a setting (what a config or an option
 * takes, and reads back as the same milliseconds) and as a measurement (for people reading reports).
 */

/** As `amnesia.config.yaml` and `--timeout` write it: `500ms`, `1.5s`, `30s`, `10m`. */
export function durationSetting(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${+(ms / 1000).toFixed(3)}s`;
  return `${Math.round(ms)}ms`;
}

/**
 * A measured duration, from the data, never from a clock: `84 ms`, `1.2 s`, `12.3 s`, `2 min 05 s`.
 * Fractional milliseconds (from `performance.now()`) are rounded.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '? ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Seconds with millisecond precision, as JUnit's `time` attribute wants: `0.084`. */
export function seconds(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : '0.000';
}
