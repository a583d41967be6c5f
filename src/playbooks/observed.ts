import { type Read, type ReadKind, type ReadValues, readKey } from './reads.js';

export type ReadOutcome<K extends ReadKind = ReadKind> =
  | { ok: true; value: ReadValues[K]; at: number }
  | { ok: false; error: string; at: number };

interface Entry {
  read: Read;
  outcome: ReadOutcome;
  stale: boolean;
}

/**
 * What the worker has read from the hosts so far. After a command runs on a host, every read
 * of that host is stale and is read again before a check relies on it; reads of other hosts
 * stay, so a plan never pays twice for what did not change.
 */
export class Observed {
  private readonly entries = new Map<string, Entry>();

  set(read: Read, outcome: ReadOutcome): void {
    this.entries.set(readKey(read), { read, outcome, stale: false });
  }

  get<K extends ReadKind>(read: Extract<Read, { kind: K }>): ReadOutcome<K> | undefined {
    return this.entries.get(readKey(read))?.outcome as ReadOutcome<K> | undefined;
  }

  /** The value, or null when it was not read or the read failed. */
  value<K extends ReadKind>(read: Extract<Read, { kind: K }>): ReadValues[K] | null {
    const outcome = this.get(read);
    return outcome?.ok ? outcome.value : null;
  }

  /** Why the read failed, or null. */
  failure(read: Read): string | null {
    const outcome = this.entries.get(readKey(read))?.outcome;
    return outcome && !outcome.ok ? outcome.error : null;
  }

  /** After a command ran on `host`: what was read there may have changed. */
  invalidateHost(host: string): void {
    for (const entry of this.entries.values()) if (entry.read.host === host) entry.stale = true;
  }

  /** Marks stale each of `reads` read more than `maxAgeMs` ago: read again before relying on it. */
  expire(reads: readonly Read[], maxAgeMs: number, now = Date.now()): void {
    for (const read of reads) {
      const entry = this.entries.get(readKey(read));
      if (entry && now - entry.outcome.at > maxAgeMs) entry.stale = true;
    }
  }

  /** The reads among `reads` not yet made, or stale; each once. */
  missing(reads: readonly Read[]): Read[] {
    const out = new Map<string, Read>();
    for (const read of reads) {
      const key = readKey(read);
      const entry = this.entries.get(key);
      if (!entry || entry.stale) out.set(key, read);
    }
    return [...out.values()];
  }

  /** Every read made, as `{key: value or error}`: what the audit record keeps of the state seen. */
  summary(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, entry] of this.entries) {
      out[key] = entry.outcome.ok
        ? summarize(entry.read, entry.outcome.value)
        : `failed: ${entry.outcome.error}`;
    }
    return out;
  }
}

function summarize(read: Read, value: ReadValues[ReadKind]): string {
  switch (read.kind) {
    case 'heartbeat':
      return String(value);
    case 'addresses':
      return (value as ReadValues['addresses'])
        .map((a) => `${a.address}/${a.prefixLength} ${a.label ?? a.device}`)
        .join(', ');
    case 'ipvs-table': {
      const table = value as ReadValues['ipvs-table'];
      return `${table.services.length} virtual services, ${table.services.reduce((n, s) => n + s.realServers.length, 0)} real servers`;
    }
    case 'ipvs-rules':
      return `${(value as string).split('\n').filter((l) => l.trim() !== '').length} rules`;
    case 'mounts':
      return `${(value as ReadValues['mounts']).length} mounts`;
    case 'mount-users': {
      const pids = value as number[];
      return pids.length === 0 ? 'nobody' : `pids ${pids.join(' ')}`;
    }
    case 'probe':
      return `exit ${(value as ReadValues['probe']).code}`;
    case 'file':
      // A file may hold a secret: its size only.
      return `${(value as string).length} characters`;
  }
}
