import { readFile } from 'node:fs/promises';
import type { MonReply } from '../core/mon/index.js';
import { MonClient } from './mon-client.js';
import { MonClientError } from './mon-client-error.js';

/** Where a cluster's mon listens, as the inventory says (its `mon` section, normalized). */
export interface MonEndpoint {
  address: string;
  port: number;
  user?: string;
  /** A file holding the password of `user` (auth.cf's login), read on each connection. */
  passwordFile?: string;
}

async function passwordOf(mon: MonEndpoint): Promise<string | undefined> {
  if (mon.user === undefined || mon.passwordFile === undefined) return undefined;
  try {
    return (await readFile(mon.passwordFile, 'utf8')).trim();
  } catch (err) {
    throw new MonClientError(
      'MON_AUTH',
      `cannot read mon's password file ${mon.passwordFile}: ${(err as Error).message}`,
      false,
    );
  }
}

/**
 * One short session with mon: connect (and log in where the inventory names a user), run
 * `use`, quit. mon serves its clients one line at a time, so no connection is kept open.
 */
export async function withMon<T>(
  mon: MonEndpoint,
  use: (client: MonClient) => Promise<T>,
  timeoutMs = 3000,
): Promise<T> {
  const password = await passwordOf(mon);
  const client = await MonClient.connect({
    host: mon.address,
    port: mon.port,
    timeoutMs,
    ...(mon.user !== undefined && { user: mon.user }),
    ...(password !== undefined && { password }),
  });
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

/**
 * mon's own silence: `disable service GROUP SERVICE` (or `disable watch GROUP`), and
 * `enable …` to end it. mon's answer is returned as is: a `520` (a group or service mon does
 * not know) is a reply, not an error.
 */
export function setDisabledInMon(
  mon: MonEndpoint,
  target: { group: string; service?: string | undefined },
  disabled: boolean,
  timeoutMs = 3000,
): Promise<MonReply> {
  return withMon(
    mon,
    (client) => {
      if (target.service === undefined) {
        return disabled ? client.disableWatch(target.group) : client.enableWatch(target.group);
      }
      return disabled
        ? client.disableService(target.group, target.service)
        : client.enableService(target.group, target.service);
    },
    timeoutMs,
  );
}
