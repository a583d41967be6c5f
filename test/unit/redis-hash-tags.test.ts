import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NOTIFY_QUEUE, notifyPrefix } from '../../src/notifiers/notify-jobs.js';
import { JobKeys } from '../../src/queues/job-keys.js';
import { bullPrefix, changesQueueName, TASKS_QUEUE } from '../../src/queues/queue-names.js';
import { STATUS_QUEUE } from '../../src/status/status-queue.js';
import { Keys } from '../../src/store/keys.js';

/**
 * What Redis Cluster hashes: the part between the first `{` and the next `}` when it is not
 * empty, else the whole key (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/).
 */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return undefined;
  return key.slice(open + 1, close);
}

/** Every key a Keys-like object names, each method called with sample arguments. */
function everyKey(keys: object, args: (name: string) => string[]): Map<string, string> {
  const out = new Map<string, string>();
  const proto = Object.getPrototypeOf(keys) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const fn = proto[name];
    if (name === 'constructor' || typeof fn !== 'function') continue;
    out.set(name, (fn as (...a: string[]) => string).apply(keys, args(name)));
  }
  return out;
}

const sample = (n: number) => ['lab', 'web-2', 'C0LVSOPS', 'd3'].slice(0, n);

describe('Redis keys on a Redis Cluster', () => {
  const keys = new Keys('lvs');
  const all = everyKey(keys, (name) =>
    sample((Keys.prototype as unknown as Record<string, () => string>)[name]!.length),
  );

  it('gives every key of the store a hash tag (a key without one lands in a slot of its own)', () => {
    expect(all.size).toBeGreaterThan(20);
    for (const [name, key] of all) expect(hashTag(key), `${name}: ${key}`).toBeDefined();
  });

  it("keeps a cluster's incidents, notifications and automatic actions in one slot (transactions and scripts span them)", () => {
    const perCluster = [...all].filter(([name]) => {
      const fn = (Keys.prototype as unknown as Record<string, () => string>)[name]!;
      return /^\s*\w+\s*\(\s*cluster\b/.test(fn.toString());
    });
    expect(perCluster.map(([n]) => n)).toEqual(
      expect.arrayContaining([
        'incident',
        'activeIncidents',
        'appliedEvent',
        'notifyRef',
        'notifyDigest',
        'autoDown',
      ]),
    );
    for (const [name, key] of perCluster) expect(hashTag(key), `${name}: ${key}`).toBe('lab');
    // The storm script takes the digest, its members' prefix, the opened set and the ref together.
    expect(hashTag(keys.notifyDigestMembersPrefix('lab', 'C0LVSOPS'))).toBe('lab');
  });

  it('keeps the ingest stream with its seen marks and flood throttle (one script admits an event)', () => {
    for (const key of [
      keys.eventStream(),
      keys.eventSeen('e1'),
      keys.throttleBucket('10.0.0.1'),
      keys.throttleRecent('10.0.0.1'),
    ]) {
      expect(hashTag(key), key).toBe('events');
    }
  });

  it("keeps a job's records together and a cluster's job state with the cluster", () => {
    const jobs = new JobKeys('lvs');
    for (const key of [
      jobs.sequence(),
      jobs.audit('j1'),
      jobs.queueOf(),
      jobs.recent(),
      jobs.cancelRequest('j1'),
    ]) {
      expect(hashTag(key), key).toBe('jobs');
    }
    expect(hashTag(jobs.drainedWeight('lab', 'web-2', 'web'))).toBe('lab');
    expect(hashTag(jobs.autoActions('lab', 'web-2'))).toBe('lab');
  });
});

describe('BullMQ queues on a Redis Cluster', () => {
  // BullMQ names every key of a queue PREFIX:QUEUE:…, and its scripts touch several at once.
  const queues: [string, string][] = [
    [bullPrefix('lvs'), TASKS_QUEUE],
    [bullPrefix('lvs'), changesQueueName('lab')],
    [bullPrefix('lvs'), STATUS_QUEUE],
    [notifyPrefix('lvs'), NOTIFY_QUEUE],
  ];

  it('puts every key of every queue in its prefix hash tag slot', () => {
    for (const [prefix, queue] of queues) {
      const tag = hashTag(prefix);
      expect(tag, `${prefix} has no hash tag`).toBeDefined();
      for (const suffix of ['wait', 'active', 'meta', 'events', 'id', 'j42', 'j42:lock', 'de:incident.lab']) {
        expect(hashTag(`${prefix}:${queue}:${suffix}`)).toBe(tag);
      }
    }
  });

  it("gives notifications a slot of their own, apart from the remediation queues'", () => {
    expect(hashTag(notifyPrefix('lvs'))).not.toBe(hashTag(bullPrefix('lvs')));
  });
});

/** Every .ts file under src/, with its text. */
function sources(): { path: string; text: string }[] {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  return readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('.ts'))
    .map((p) => join('src', p))
    .map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
}

describe('the code as written', () => {
  const files = sources();

  it('names no BullMQ prefix without a hash tag (a queue added later included)', () => {
    const untagged = files.flatMap(({ path, text }) =>
      [...text.matchAll(/[pP]refix\w*\s*[:=]\s*`([^`]*)`/g)]
        .filter(
          (m) =>
            !path.startsWith(join('src', 'lab')) && !/\{[^}$]+\}/.test(m[1]!.replace(/\$\{[^}]*\}/g, '')),
        )
        .map((m) => `${path}: ${m[0]}`),
    );
    expect(untagged, 'use bullPrefix/notifyPrefix, or a prefix with a {tag} of its own').toEqual([]);
  });

  it('opens every Redis connection through createRedis, so REDIS_URL may name a Sentinel set or a Cluster', () => {
    const direct = files
      .filter(({ path }) => !path.startsWith(join('src', 'redis')))
      .flatMap(({ path, text }) =>
        [...text.matchAll(/new (Redis|IORedis|Cluster)\(/g)].map((m) => `${path}: ${m[0]}`),
      );
    expect(direct, 'call createRedis(env, role) from src/redis/create-redis.ts').toEqual([]);
  });
});
