/** `512 B`, `64 KiB`, `4.2 MiB`, `1.3 GiB`: a size as messages show it. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 2 ** 20) return `${+(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 2 ** 30) return `${+(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${+(bytes / 2 ** 30).toFixed(1)} GiB`;
}
