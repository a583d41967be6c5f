import { readFileSync } from 'node:fs';
import { err, ok, type Result } from '../core/result.js';
import type { Inventory } from './inventory.js';
import type { InventoryError } from './inventory-error.js';
import { MIN_INGEST_TOKEN_LENGTH } from './inventory-schema.js';

/** Who a token speaks for. */
export interface IngestSender {
  /** `INGEST_TOKEN` for the shared token, else `CLUSTER/NAME`: what logs and /metrics show. */
  name: string;
  /** The one cluster it speaks for; absent for INGEST_TOKEN (every cluster). */
  cluster?: string;
  /** The hosts it may speak as; absent: every host of its cluster (or of the inventory). */
  hosts?: readonly string[];
}

/** A token's secret and the sender it proves. */
export interface IngestToken {
  sender: IngestSender;
  secret: string;
}

export const SHARED_SENDER: IngestSender = { name: 'INGEST_TOKEN' };

export interface IngestTokenSources {
  /** INGEST_TOKEN, when set. */
  shared?: string | undefined;
  /** The INGEST_TOKEN_* variables (`Env.ingestTokenVars`). */
  vars: Record<string, string>;
  /** Reads a tokenFile; by default from disk. */
  readFile?: (path: string) => string;
}

/**
 * The ingest's tokens: INGEST_TOKEN (speaks for everything, as it always has) and each
 * cluster's `ingest.tokens`, their secrets read from where the inventory says. Read once at
 * start; a file or variable that is missing, short or shared with another token is an error
 * naming the inventory key, never the secret.
 */
export function readIngestTokens(
  inventory: Inventory,
  sources: IngestTokenSources,
): Result<IngestToken[], InventoryError[]> {
  const read = sources.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const tokens: IngestToken[] = [];
  const errors: InventoryError[] = [];
  const where = new Map<string, string>();
  if (sources.shared !== undefined) {
    tokens.push({ sender: SHARED_SENDER, secret: sources.shared });
    where.set(sources.shared, 'INGEST_TOKEN');
  }
  inventory.clusters.forEach((cluster, c) => {
    cluster.ingest?.tokens.forEach((ref, t) => {
      const base = `clusters.${c}.ingest.tokens.${t}`;
      let secret: string;
      let path: string;
      if ('token' in ref) {
        secret = ref.token;
        path = `${base}.token`;
      } else if ('tokenFile' in ref) {
        path = `${base}.tokenFile`;
        try {
          // One line; the newline an editor or `echo` leaves is not part of it.
          secret = read(ref.tokenFile).trim();
        } catch (error) {
          const code = (error as { code?: unknown } | null)?.code;
          errors.push({
            path,
            message:
              code === 'ENOENT'
                ? `${ref.tokenFile}: no such file; write the token there (openssl rand -hex 32 > ${ref.tokenFile})`
                : `${ref.tokenFile} cannot be read (${code ?? (error as Error).message}); make it readable by this user`,
          });
          return;
        }
      } else {
        path = `${base}.tokenEnv`;
        const value = sources.vars[ref.tokenEnv];
        if (value === undefined) {
          errors.push({ path, message: `${ref.tokenEnv} is not set; set it in the bot's environment` });
          return;
        }
        secret = value;
      }
      if (secret.length < MIN_INGEST_TOKEN_LENGTH || /\s/.test(secret)) {
        errors.push({
          path,
          message: `the token is shorter than ${MIN_INGEST_TOKEN_LENGTH} characters or holds a space; make one with openssl rand -hex 32`,
        });
        return;
      }
      const earlier = where.get(secret);
      if (earlier !== undefined) {
        errors.push({
          path,
          message: `the same token as ${earlier}; each token speaks for one sender: give this one its own (openssl rand -hex 32)`,
        });
        return;
      }
      where.set(secret, base);
      const sender: IngestSender = {
        name: `${cluster.name}/${ref.name}`,
        cluster: cluster.name,
        ...(ref.hosts && { hosts: ref.hosts }),
      };
      tokens.push({ sender, secret });
    });
  });
  if (errors.length > 0) return err(errors);
  if (tokens.length === 0) {
    return err([
      {
        path: '',
        message:
          'INGEST_TOKEN is not set and no cluster lists ingest.tokens: the alert scripts and the ha-log follower would have no token to present; set INGEST_TOKEN (openssl rand -hex 32)',
      },
    ]);
  }
  return ok(tokens);
}

/** Whether the inventory gives any ingest token (then INGEST_TOKEN may be left unset). */
export function hasIngestTokens(inventory: Inventory): boolean {
  return inventory.clusters.some((c) => (c.ingest?.tokens.length ?? 0) > 0);
}
