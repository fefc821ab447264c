import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';

/**
 * A process's output: every line goes to a log file (the full output, for artifacts),
 * the last lines stay in memory (for error messages), and listeners see lines as they come
 * (readiness by log line).
 */
export class OutputLog {
  private readonly tailLines: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();
  private readonly file: WriteStream;
  private readonly keep: number;
  private readonly followed = new Set<Readable>();
  private closing: Promise<void> | undefined;
  private readonly mask: (text: string) => string;
  readonly path: string;

  /**
   * `mask` hides secrets (see `masker`) in what is kept, the file and the tail that reaches reports;
   * listeners see the line as the process wrote it.
   */
  constructor(path: string, keep = 200, mask: (text: string) => string = (t) => t) {
    this.path = path;
    this.keep = keep;
    this.mask = mask;
    this.file = createWriteStream(path, { flags: 'a' });
    this.file.on('error', () => {}); // a full disk must not crash the run; the tail stays in memory
  }

  /** Follow a stream line by line, prefixing lines with the stream name. */
  follow(stream: Readable, name: 'stdout' | 'stderr'): void {
    let partial = '';
    this.followed.add(stream);
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) this.line(line, name);
    });
    const flush = () => {
      if (partial) this.line(partial, name);
      partial = '';
      this.followed.delete(stream);
    };
    stream.on('end', flush);
    stream.on('close', flush);
    stream.on('error', () => {});
  }

  /** A line of amnesia's own (start, stop, signals), marked so it is never mistaken for app output. */
  note(text: string): void {
    if (!this.closing) this.file.write(`── amnesia: ${this.mask(text)}\n`);
  }

  private line(text: string, name: 'stdout' | 'stderr'): void {
    const clean = text.replace(/\r$/, '');
    const kept = this.mask(clean);
    if (!this.closing) this.file.write(name === 'stderr' ? `[stderr] ${kept}\n` : `${kept}\n`);
    this.tailLines.push(name === 'stderr' ? `[stderr] ${kept}` : kept);
    if (this.tailLines.length > this.keep) this.tailLines.shift();
    for (const l of this.listeners) l(clean);
  }

  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  tail(lines = 20): string[] {
    return this.tailLines.slice(-lines);
  }

  /**
   * Finish the file. Call it after the process's `exited` resolved (its pipes drained): a stream
   * still open then is held by a grandchild and is let go, so the file never waits on it.
   */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const s of this.followed) s.destroy();
      this.file.end(resolve);
    });
    return this.closing;
  }
}
