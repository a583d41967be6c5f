import { createHash } from 'node:crypto';
import { type FileHandle, open, stat } from 'node:fs/promises';

/** One complete line of the log and where it was. */
export interface TailLine {
  text: string;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Byte offset just after its newline: where to resume once it is delivered. */
  end: number;
  inode: number;
  fingerprint: string;
}

/** Where to start: a saved position, the start, or the end of the file. */
export type TailStart =
  | { kind: 'position'; inode: number; fingerprint: string; offset: number }
  | { kind: 'start' }
  | { kind: 'end' };

const FINGERPRINT_BYTES = 256;
const CHUNK = 64 * 1024;

async function fingerprintOf(handle: FileHandle): Promise<string> {
  const buf = Buffer.alloc(FINGERPRINT_BYTES);
  const { bytesRead } = await handle.read(buf, 0, FINGERPRINT_BYTES, 0);
  if (bytesRead === 0) return '';
  const head = buf.subarray(0, bytesRead);
  const nl = head.indexOf(0x0a);
  // Only a whole first line (or 256 bytes of one) identifies the file: it never changes after.
  if (nl < 0 && bytesRead < FINGERPRINT_BYTES) return '';
  return createHash('sha256')
    .update(nl >= 0 ? head.subarray(0, nl) : head)
    .digest('hex')
    .slice(0, 16);
}

/**
 * Follows a log file by polling, as `tail -F` does: complete lines only, across a rotation
 * (the old file is read to its end before the new one is opened; logrotate's `FILE.1` is
 * looked at when the follower was down during a rotation) and a truncation (copytruncate:
 * the same file starts again at 0, with a new first line). Every line says where it was, so
 * that a sender can derive an id a resend keeps.
 */
export class HaLogTail {
  private handle: FileHandle | undefined;
  private inode = -1;
  private fingerprint = '';
  /** The first byte not yet returned in a complete line. */
  private offset = 0;
  /** A rotated-away file still to be read to its end. */
  private draining: { handle: FileHandle; inode: number; fingerprint: string; offset: number } | undefined;

  constructor(
    readonly path: string,
    private readonly start: TailStart,
  ) {}

  /** Where to resume once every line returned so far is delivered. */
  position(): { inode: number; fingerprint: string; offset: number } {
    const d = this.draining;
    if (d) return { inode: d.inode, fingerprint: d.fingerprint, offset: d.offset };
    return { inode: this.inode, fingerprint: this.fingerprint, offset: this.offset };
  }

  /** Opens the file and finds where to start; a rotated file left from before a restart is drained first. */
  async open(): Promise<void> {
    const st = await stat(this.path);
    this.handle = await open(this.path, 'r');
    this.inode = st.ino;
    this.fingerprint = await fingerprintOf(this.handle);
    const s = this.start;
    if (s.kind === 'end') {
      this.offset = st.size;
    } else if (s.kind === 'start') {
      this.offset = 0;
    } else if (s.inode === this.inode && (s.fingerprint === '' || s.fingerprint === this.fingerprint)) {
      this.offset = s.offset <= st.size ? s.offset : 0;
    } else {
      // Rotated while we were away: finish the old file if it is still next to this one.
      this.offset = 0;
      const old = await this.findRotated(s.inode, s.fingerprint);
      if (old) this.draining = { ...old, offset: s.offset };
    }
  }

  private async findRotated(inode: number, fingerprint: string) {
    for (const candidate of [`${this.path}.1`, `${this.path}.0`, `${this.path}-old`]) {
      try {
        const st = await stat(candidate);
        if (st.ino !== inode) continue;
        const handle = await open(candidate, 'r');
        if (fingerprint !== '' && (await fingerprintOf(handle)) !== fingerprint) {
          await handle.close();
          continue;
        }
        return { handle, inode, fingerprint };
      } catch {
        // not there
      }
    }
    return undefined;
  }

  /** The complete lines written since the last call (possibly none). */
  async read(): Promise<TailLine[]> {
    if (!this.handle) await this.open();
    const d = this.draining;
    if (d) {
      const lines = await readLines(d.handle, d.offset, d.inode, d.fingerprint, true);
      if (lines.length > 0) {
        d.offset = lines.at(-1)!.end;
        return lines;
      }
      await d.handle.close();
      this.draining = undefined;
    }
    const handle = this.handle!;
    const st = await handle.stat();
    // Truncated in place (copytruncate): a new log in the same file. A new first line says so
    // too, even when the new log already grew past where we were.
    const fingerprint = await fingerprintOf(handle);
    if (st.size < this.offset || (this.fingerprint !== '' && fingerprint !== this.fingerprint))
      this.offset = 0;
    this.fingerprint = fingerprint;
    const lines = await readLines(handle, this.offset, this.inode, this.fingerprint, false);
    if (lines.length > 0) {
      this.offset = lines.at(-1)!.end;
      return lines;
    }
    await this.checkRotation();
    return [];
  }

  /** The path names another file now: drain the old one, then follow the new one from its start. */
  private async checkRotation(): Promise<void> {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(this.path);
    } catch {
      return; // between the rename and the new file: keep the old one
    }
    if (st.ino === this.inode) return;
    this.draining = {
      handle: this.handle!,
      inode: this.inode,
      fingerprint: this.fingerprint,
      offset: this.offset,
    };
    this.handle = await open(this.path, 'r');
    this.inode = st.ino;
    this.fingerprint = await fingerprintOf(this.handle);
    this.offset = 0;
  }

  async close(): Promise<void> {
    await this.draining?.handle.close();
    await this.handle?.close();
    this.draining = undefined;
    this.handle = undefined;
  }
}

/**
 * Complete lines from `from` on (at most about 1 MiB a call). A partial last line waits for
 * its newline, except in a rotated file (`final`), where nothing more will come.
 */
async function readLines(
  handle: FileHandle,
  from: number,
  inode: number,
  fingerprint: string,
  final: boolean,
): Promise<TailLine[]> {
  const buf = Buffer.alloc(CHUNK * 16);
  let filled = 0;
  while (filled < buf.length) {
    const { bytesRead } = await handle.read(buf, filled, Math.min(CHUNK, buf.length - filled), from + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  const data = buf.subarray(0, filled);
  const lines: TailLine[] = [];
  let start = 0;
  for (;;) {
    const nl = data.indexOf(0x0a, start);
    if (nl < 0) break;
    lines.push({
      text: data.subarray(start, nl).toString('utf8'),
      offset: from + start,
      end: from + nl + 1,
      inode,
      fingerprint,
    });
    start = nl + 1;
  }
  // The rest of a rotated file, or a line longer than a whole read, is taken as it is.
  if (start < data.length && (final || (start === 0 && filled === buf.length))) {
    lines.push({
      text: data.subarray(start).toString('utf8'),
      offset: from + start,
      end: from + data.length,
      inode,
      fingerprint,
    });
  }
  return lines;
}
