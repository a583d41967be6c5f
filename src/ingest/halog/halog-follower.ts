import { parseHaLogLine } from '../../core/heartbeat/ha-log.js';
import { loadFollowState, saveFollowState } from './follow-state.js';
import { HaLogTail, type TailStart } from './halog-tail.js';
import { heartbeatBody } from './heartbeat-body.js';
import { type HookAnswer, postToHook } from './hook-client.js';

export interface HaLogFollowerOptions {
  file: string;
  /** The bot's base URL (LVS_CHATOPS_URL); events go to URL/hooks/heartbeat. */
  url: string;
  token: string;
  /** Where the position is kept across restarts. */
  statePath: string;
  cluster?: string;
  /** The node writing this log; default: the host name in the lines, else this host's. */
  node?: string;
  /** With no saved position, read the file from its start (default: only what comes next). */
  fromStart?: boolean;
  pollMs?: number;
  /** Backoff between tries of an undelivered event: from `minBackoffMs`, doubling, up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  agent?: string;
  log?: (line: string) => void;
  /** Lets a test post somewhere else; default: fetch. */
  post?: (url: string, token: string, body: unknown) => Promise<HookAnswer>;
}

export interface FollowerStats {
  lines: number;
  sent: number;
  duplicates: number;
  refused: number;
  skipped: number;
}

/**
 * `lvs-chatops follow-halog`: follows ha-log and posts each recognised line, in order, to the
 * ingest. A line is delivered before the next one is tried (retried with backoff while the bot
 * is away); the position is saved after each delivery, so a restart resumes after the last
 * delivered line, and a line delivered just before a crash and sent again is recognised by its
 * id (file identity and offset) and stored once.
 */
export class HaLogFollower {
  readonly stats: FollowerStats = { lines: 0, sent: 0, duplicates: 0, refused: 0, skipped: 0 };
  private stopping = false;
  private wake: (() => void) | undefined;
  private tail: HaLogTail | undefined;

  constructor(private readonly opts: HaLogFollowerOptions) {}

  private log(line: string): void {
    this.opts.log?.(line);
  }

  /** Runs until stop(); with `once`, returns when it has delivered everything written so far. */
  async run(once = false): Promise<void> {
    const saved = await loadFollowState(this.opts.statePath);
    const start: TailStart =
      saved && saved.file === this.opts.file
        ? { kind: 'position', inode: saved.inode, fingerprint: saved.fingerprint, offset: saved.offset }
        : this.opts.fromStart
          ? { kind: 'start' }
          : { kind: 'end' };
    const tail = new HaLogTail(this.opts.file, start);
    this.tail = tail;
    await this.waitForFile(tail);
    await this.save();
    if (this.stopping) return;
    const at = tail.position().offset;
    this.log(
      `following ${this.opts.file} from ${start.kind === 'position' ? 'its saved position' : start.kind === 'start' ? 'its start' : 'its end'} (byte ${at})`,
    );
    const hook = `${this.opts.url.replace(/\/+$/, '')}/hooks/heartbeat`;
    try {
      while (!this.stopping) {
        const lines = await tail.read();
        for (const line of lines) {
          if (this.stopping) return;
          this.stats.lines++;
          await this.deliver(hook, line.text, line);
          await this.save(line.end, line);
        }
        if (lines.length === 0) {
          if (once) return;
          await this.sleep(this.opts.pollMs ?? 250);
        }
      }
    } finally {
      await tail.close();
    }
  }

  private async waitForFile(tail: HaLogTail): Promise<void> {
    let told = false;
    while (!this.stopping) {
      try {
        await tail.open();
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        if (!told) this.log(`${this.opts.file} does not exist yet; waiting for it`);
        told = true;
        await this.sleep(1000);
      }
    }
  }

  private async deliver(
    hook: string,
    text: string,
    where: { offset: number; inode: number; fingerprint: string },
  ) {
    const parsed = parseHaLogLine(text, { reference: new Date() });
    if (!parsed.ok) {
      this.stats.skipped++;
      return;
    }
    const body = heartbeatBody(parsed.value, text, where, {
      node: this.opts.node ?? '',
      ...(this.opts.cluster !== undefined && { cluster: this.opts.cluster }),
      file: this.opts.file,
      agent: this.opts.agent ?? 'lvs-chatops-follow-halog/0.1.0',
    });
    if (!body) {
      this.stats.skipped++;
      return;
    }
    const post = this.opts.post ?? postToHook;
    let backoff = this.opts.minBackoffMs ?? 500;
    for (;;) {
      const answer = await post(hook, this.opts.token, body);
      if (answer.kind === 'accepted') {
        if (answer.duplicate) this.stats.duplicates++;
        else this.stats.sent++;
        return;
      }
      if (answer.kind === 'refused') {
        this.stats.refused++;
        this.log(
          `the bot refused the event of ${this.opts.file} at offset ${where.offset} (HTTP ${answer.status}): ${answer.message}; skipped`,
        );
        return;
      }
      if (this.stopping) throw new StoppedError();
      const wait = Math.max(answer.retryAfterMs ?? 0, backoff);
      this.log(`${answer.message}; trying again in ${Math.round(wait / 100) / 10}s`);
      await this.sleep(wait);
      if (this.stopping) throw new StoppedError();
      backoff = Math.min(backoff * 2, this.opts.maxBackoffMs ?? 30_000);
    }
  }

  private async save(offset?: number, at?: { inode: number; fingerprint: string }): Promise<void> {
    const pos = this.tail!.position();
    // After a delivered line the position is its end, in its file (a rotated one, maybe).
    const where = offset !== undefined && at ? { inode: at.inode, fingerprint: at.fingerprint, offset } : pos;
    await saveFollowState(this.opts.statePath, { file: this.opts.file, ...where });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Stops after the line in hand; its position is saved only if it was delivered. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }
}

/** Thrown out of a retry loop by stop(): the line was not delivered; its position is not saved. */
export class StoppedError extends Error {
  readonly code = 'STOPPED';
  constructor() {
    super('stopped before the event was delivered');
    this.name = 'StoppedError';
  }
}
