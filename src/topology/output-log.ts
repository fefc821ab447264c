import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { formatBytes } from '../util/bytes.ts';

/** How much of a process's output is kept: an app that floods its output costs a bounded disk and RAM. */
export interface OutputLimits {
  /** The first bytes of output, written to the file as they come. */
  headBytes: number;
  /** The last bytes of output, held in memory once the head is full and written at close. */
  tailBytes: number;
  /** A line (or an unfinished line: output without a newline) is cut after this many characters. */
  lineChars: number;
}

export const OUTPUT_LIMITS: OutputLimits = {
  headBytes: 4 * 2 ** 20,
  tailBytes: 2 ** 20,
  lineChars: 64 * 1024,
};

/** Lines of the in-memory tail (error messages, reports) are cut after this many characters. */
const TAIL_LINE_CHARS = 2000;

/** What a log left out, said once it is closed. */
export interface OutputCut {
  /** The log file. */
  file: string;
  /** Bytes of whole lines dropped between the head and the tail. */
  droppedBytes: number;
  droppedLines: number;
  /** Lines longer than `lineChars`, and the characters cut from them. */
  longLines: number;
  cutChars: number;
  limits: OutputLimits;
}

/** `45.2 MiB of output (812,004 lines) dropped …`: what a cut log left out, in one sentence. */
export function outputCutText(cut: OutputCut): string {
  const parts: string[] = [];
  if (cut.droppedBytes > 0)
    parts.push(
      `${formatBytes(cut.droppedBytes)} (${cut.droppedLines.toLocaleString('en-US')} lines) dropped between the first ${formatBytes(cut.limits.headBytes)} and the last ${formatBytes(cut.limits.tailBytes)} it keeps`,
    );
  if (cut.longLines > 0)
    parts.push(
      `${cut.longLines.toLocaleString('en-US')} line${cut.longLines === 1 ? '' : 's'} longer than ${cut.limits.lineChars.toLocaleString('en-US')} characters cut (${cut.cutChars.toLocaleString('en-US')} characters dropped)`,
    );
  return parts.join('; ');
}

export interface OutputLogOptions {
  /** Lines kept in memory for error messages. @default 200 */
  keep?: number;
  limits?: Partial<OutputLimits>;
  /** Called at close when anything was left out. */
  onCut?: (cut: OutputCut) => void;
  /**
   * Hides secrets (see `masker`) in what is kept: the file and the tail that reaches reports;
   * listeners see the line as the process wrote it.
   */
  mask?: (text: string) => string;
  /** Texts never written or kept as they are (secrets the process was given): shown as `<key>`. */
  hidden?: readonly string[];
}

interface Partial_ {
  text: string;
  extra: number;
}

/**
 * A process's output: lines go to a log file (its first `headBytes`, then its last `tailBytes`,
 * with a line saying how much was dropped between), the last lines stay in memory (for error
 * messages), and listeners see lines as they come (readiness by log line). A line is cut after
 * `lineChars`, even one that never ends. While the file cannot keep up, the process's pipes are
 * paused (it blocks on writing, as it would on a terminal).
 */
export class OutputLog {
  private readonly tailLines: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();
  private readonly file: WriteStream;
  private readonly keep: number;
  private readonly limits: OutputLimits;
  private readonly onCut: ((cut: OutputCut) => void) | undefined;
  private readonly mask: (text: string) => string;
  private readonly hidden: readonly string[];
  private readonly followed = new Set<Readable>();
  private closing: Promise<void> | undefined;
  private headLeft: number;
  private headFull = false;
  /** Lines after the head, oldest first from `ringStart`. */
  private ring: string[] = [];
  private ringStart = 0;
  private ringBytes = 0;
  private droppedBytes = 0;
  private droppedLines = 0;
  private longLines = 0;
  private cutChars = 0;
  private paused = false;
  readonly path: string;

  constructor(path: string, options: number | OutputLogOptions = {}) {
    const o = typeof options === 'number' ? { keep: options } : options;
    this.path = path;
    this.keep = o.keep ?? 200;
    this.limits = { ...OUTPUT_LIMITS, ...o.limits };
    this.onCut = o.onCut;
    this.mask = o.mask ?? ((t) => t);
    this.hidden = (o.hidden ?? []).filter((h) => h !== '');
    this.headLeft = this.limits.headBytes;
    this.file = createWriteStream(path, { flags: 'a' });
    this.file.on('error', () => {}); // a full disk must not crash the run; the tail stays in memory
  }

  /** Follow a stream line by line, prefixing lines with the stream name. */
  follow(stream: Readable, name: 'stdout' | 'stderr'): void {
    const partial: Partial_ = { text: '', extra: 0 };
    this.followed.add(stream);
    if (this.paused) stream.pause();
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf('\n', start);
        this.append(partial, nl === -1 ? chunk.slice(start) : chunk.slice(start, nl));
        if (nl === -1) break;
        this.endLine(partial, name);
        start = nl + 1;
      }
    });
    const flush = () => {
      if (partial.text || partial.extra) this.endLine(partial, name);
      this.followed.delete(stream);
    };
    stream.on('end', flush);
    stream.on('close', flush);
    stream.on('error', () => {});
  }

  /** A line of amnesia's own (start, stop, signals), marked so it is never mistaken for app output. */
  note(text: string): void {
    if (!this.closing) this.keepLine(`── amnesia: ${this.mask(this.hide(text))}\n`);
  }

  private hide(text: string): string {
    let out = text;
    for (const h of this.hidden) out = out.replaceAll(h, '<key>');
    return out;
  }

  private append(partial: Partial_, piece: string): void {
    const room = this.limits.lineChars - partial.text.length;
    if (piece.length <= room) {
      partial.text += piece;
      return;
    }
    if (room > 0) partial.text += piece.slice(0, room);
    partial.extra += piece.length - Math.max(0, room);
  }

  private endLine(partial: Partial_, name: 'stdout' | 'stderr'): void {
    let text = partial.text.replace(/\r$/, '');
    text = this.hide(text);
    if (partial.extra > 0) {
      this.longLines++;
      this.cutChars += partial.extra;
      text += ` … [amnesia: ${partial.extra.toLocaleString('en-US')} more characters of this line dropped]`;
    }
    partial.text = '';
    partial.extra = 0;
    this.line(text, name);
  }

  private line(clean: string, name: 'stdout' | 'stderr'): void {
    const kept = this.mask(this.hide(clean));
    const shown = name === 'stderr' ? `[stderr] ${kept}` : kept;
    if (!this.closing) this.keepLine(`${shown}\n`);
    this.tailLines.push(
      shown.length > TAIL_LINE_CHARS ? `${shown.slice(0, TAIL_LINE_CHARS)} … (line cut)` : shown,
    );
    if (this.tailLines.length > this.keep) this.tailLines.shift();
    for (const l of this.listeners) l(clean);
  }

  /** The head goes to the file; after it, a ring of the last lines, written at close. */
  private keepLine(text: string): void {
    const bytes = Buffer.byteLength(text);
    if (!this.headFull && bytes <= this.headLeft) {
      this.headLeft -= bytes;
      if (!this.file.write(text)) this.pause();
      return;
    }
    this.headFull = true;
    this.ring.push(text);
    this.ringBytes += bytes;
    while (this.ringBytes > this.limits.tailBytes && this.ringStart < this.ring.length) {
      const old = this.ring[this.ringStart++] as string;
      const oldBytes = Buffer.byteLength(old);
      this.ringBytes -= oldBytes;
      this.droppedBytes += oldBytes;
      this.droppedLines++;
    }
    if (this.ringStart > 1024 && this.ringStart * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.ringStart);
      this.ringStart = 0;
    }
  }

  /** The file is behind: stop reading the pipes until it drains, so the process waits rather than amnesia's RAM filling. */
  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    for (const s of this.followed) s.pause();
    this.file.once('drain', () => {
      this.paused = false;
      for (const s of this.followed) s.resume();
    });
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
      if (this.droppedBytes > 0) {
        this.file.write(
          `── amnesia: ${formatBytes(this.droppedBytes)} of output (${this.droppedLines.toLocaleString('en-US')} lines) dropped here: this log keeps the first ${formatBytes(this.limits.headBytes)} and the last ${formatBytes(this.limits.tailBytes)}\n`,
        );
      }
      for (let i = this.ringStart; i < this.ring.length; i++) this.file.write(this.ring[i] as string);
      this.ring = [];
      this.file.end(resolve);
      if (this.droppedBytes > 0 || this.longLines > 0) {
        this.onCut?.({
          file: this.path,
          droppedBytes: this.droppedBytes,
          droppedLines: this.droppedLines,
          longLines: this.longLines,
          cutChars: this.cutChars,
          limits: this.limits,
        });
      }
    });
    return this.closing;
  }
}
