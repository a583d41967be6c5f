import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Env } from '../config/env.js';
import { readEnv } from '../config/env.js';
import type { Inventory } from '../config/inventory.js';
import { formatInventoryError } from '../config/inventory-error.js';
import { loadInventory } from '../config/load-inventory.js';
import { redact } from '../config/redis-url.js';
import { LabError, labDown, labOptionsSchema, labStatus, labUp, openLab, planLab } from '../lab/index.js';
import {
  defaultSeedInput,
  type LocalSlack,
  type MountedConsole,
  mountConsole,
  type SeedInput,
  startLocalSlack,
} from '../localslack/index.js';
import type { Logger } from '../log/logger.js';
import { createRedis } from '../redis/create-redis.js';
import { Keys } from '../store/keys.js';
import { startDemoBot } from './demo-bot.js';
import { DEMO_COMPONENTS, type DemoComponent, type DemoContext } from './demo-components.js';
import { DemoError } from './demo-error.js';
import { freePort } from './free-port.js';
import { startIngestRelay } from './ingest-relay.js';
import { labControls } from './lab-controls.js';
import { packageRoot } from './package-root.js';
import { ensureRedis } from './redis-server.js';
import { tryThis } from './try-this.js';

/** The lab the demo brings up: the default lab's names, or these when a lab already uses them. */
export const DEMO_LAB_FALLBACK = {
  prefix: 'lvm',
  stateDir: '/run/lvs-chatops-demo',
  subnet: '10.210.30.0/23',
} as const;

/** The channel the demo subscribes (the lab inventory's and the local Slack's #lvs-ops). */
export const DEMO_CHANNEL = 'C0LVSOPS';

export interface DemoOptions {
  /** REDIS_URL and LOG_LEVEL are used; the Slack settings are the demo's own. */
  env: Env;
  /** The console's port (0: a free one). */
  port: number;
  /**
   * `own`: bring a lab up (and down on close); `none`: no lab (page and bot only);
   * `{ stateDir }`: a lab that is already up (the tests'), left as it is; the ingest listens
   * where that lab's mon sends its alerts (its `LVS_CHATOPS_URL` and token).
   */
  lab: 'own' | 'none' | { stateDir: string };
  /** The components beside the bot and the local Slack (default: DEMO_COMPONENTS). */
  components?: DemoComponent[];
  logger: Logger;
  /** Progress lines while starting. */
  log: (line: string) => void;
  /** Aborting stops the start-up at the next step and undoes what was done. */
  signal?: AbortSignal;
}

export interface Demo {
  /** The console: `http://127.0.0.1:PORT/`; the local Slack's Web API is this + `api/`. */
  url: string;
  apiUrl: string;
  slack: LocalSlack;
  inventory: string;
  /** The lab's state directory, when there is a lab. */
  labStateDir?: string;
  redisUrl: string;
  keyPrefix: string;
  /** What runs, one line each. */
  running: string[];
  hints: string[];
  /** Stops everything it started, in reverse order; safe to call twice. */
  close(): Promise<void>;
}

function secret(bytes = 18): string {
  return randomBytes(bytes).toString('base64url');
}

/** Deletes every key under the prefix: the demo leaves nothing in a Redis it did not start. */
async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/**
 * Everything on one machine: Redis (the one at REDIS_URL, or a redis-server it starts), the
 * lab, the local Slack with its console page, the bot in HTTP mode, the alert pipeline and a
 * playbook worker; #lvs-ops subscribed. Resolves once the console answers.
 */
export async function startDemo(opts: DemoOptions): Promise<Demo> {
  const { log, logger } = opts;
  const undo: Array<{ what: string; run: () => Promise<unknown> }> = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    while (undo.length > 0) {
      const step = undo.pop()!;
      try {
        await step.run();
      } catch (error) {
        logger.warn({ err: error, step: step.what }, 'the demo could not stop something cleanly');
        log(`could not stop ${step.what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  const checkpoint = (): void => {
    if (opts.signal?.aborted) throw new DemoError('DEMO_ABORTED', 'stopped while starting');
  };

  try {
    const running: string[] = [];
    const root = packageRoot();

    // Redis.
    const redisInfo = await ensureRedis(opts.env.REDIS_URL, log);
    undo.push({ what: 'redis-server', run: () => redisInfo.stop() });
    const keys = new Keys(`lvs-demo-${randomBytes(4).toString('hex')}`);
    const connections: Redis[] = [];
    const connect = (): Redis => {
      const redis = createRedis({ REDIS_URL: redisInfo.url }, 'blocking');
      redis.on('error', (err) => logger.warn({ err: err.message }, 'demo: Redis connection error'));
      connections.push(redis);
      return redis;
    };
    const redis = connect();
    undo.push({
      what: 'the demo keys in Redis',
      run: async () => {
        if (!redisInfo.started) await deleteKeys(redis, keys.prefix);
        await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
      },
    });
    running.push(
      redisInfo.started
        ? `Redis ${redact(redisInfo.url)} (started for the demo, pid ${redisInfo.pid})`
        : `Redis ${redact(redisInfo.url)} (keys under ${keys.prefix}:)`,
    );
    checkpoint();

    // The lab.
    let ingestToken = secret();
    let ingest: { host: string; port: number };
    let inventoryFile: string;
    let labStateDir: string | undefined;
    let defaultLab = false;
    if (opts.lab === 'own') {
      const monAlert = join(root, 'contrib', 'mon', 'slack.alert');
      const port = await freePort('0.0.0.0');
      const up = async (names: { prefix?: string; stateDir?: string; subnet?: string }) => {
        const plan = planLab(labOptionsSchema.parse(names));
        ingest = { host: plan.front.hostAddress, port };
        log(
          `bringing the lab up (prefix ${plan.prefix}, subnet ${plan.options.subnet}); this takes 15 to 40 seconds`,
        );
        undo.push({
          what: `the lab (${plan.stateDir})`,
          run: () => labDown({ stateDir: plan.stateDir }, (line) => log(`lab down: ${line}`)),
        });
        return labUp(
          {
            ...names,
            monAlert,
            monEnv: {
              LVS_CHATOPS_URL: `http://${plan.front.hostAddress}:${port}`,
              LVS_CHATOPS_TOKEN: ingestToken,
            },
          },
          (line) => log(`lab: ${line}`),
        );
      };
      let result: Awaited<ReturnType<typeof labUp>>;
      try {
        result = await up({});
        defaultLab = true;
      } catch (error) {
        if (!(error instanceof LabError) || !['LAB_ALREADY_UP', 'LAB_NAME_TAKEN'].includes(error.code))
          throw error;
        // That lab is someone else's: never take it down.
        undo.pop();
        log(
          `the default lab's names are taken (${error.message.split(':')[0]}); using ${DEMO_LAB_FALLBACK.prefix} instead`,
        );
        result = await up(DEMO_LAB_FALLBACK);
      }
      inventoryFile = result.inventory;
      labStateDir = result.plan.stateDir;
      running.push(
        `the lab: ${labStateDir} (up in ${result.seconds.toFixed(0)} s), inventory ${inventoryFile}`,
      );
    } else if (opts.lab === 'none') {
      inventoryFile = join(root, 'examples', 'inventory.yml');
      ingest = { host: '127.0.0.1', port: 0 };
      running.push(`no lab (--no-lab): the example inventory ${inventoryFile}`);
    } else {
      labStateDir = opts.lab.stateDir;
      const status = await labStatus(labStateDir);
      inventoryFile = status.inventory;
      // The ingest goes where the lab's mon was told to send alerts when it came up.
      const monEnv = openLab(labStateDir).plan.options.monEnv;
      const target = monEnv.LVS_CHATOPS_URL ? new URL(monEnv.LVS_CHATOPS_URL) : undefined;
      ingest = target
        ? { host: target.hostname, port: Number(target.port || 80) }
        : { host: status.hostAddress, port: 0 };
      if (monEnv.LVS_CHATOPS_TOKEN) ingestToken = monEnv.LVS_CHATOPS_TOKEN;
      running.push(`the lab that is up in ${labStateDir}, inventory ${inventoryFile}`);
    }
    checkpoint();
    const loaded = await loadInventory(inventoryFile);
    if (!loaded.ok) {
      throw new DemoError(
        'DEMO_INVENTORY',
        `the inventory ${inventoryFile} is not usable:\n${loaded.error.map(formatInventoryError).join('\n')}`,
      );
    }
    const inventory: Inventory = loaded.value;

    // The local Slack and its console.
    const signingSecret = secret();
    const botToken = `xoxb-demo-${secret(12)}`;
    let slack: LocalSlack;
    try {
      slack = await startLocalSlack({
        port: opts.port,
        seed: workspaceOf(inventory),
        app: { requestUrl: 'http://127.0.0.1:9/slack/events' },
        signingSecret,
        botToken,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new DemoError(
          'DEMO_PORT_TAKEN',
          `port ${opts.port} is in use on 127.0.0.1: pick another with --port N (--port 0 takes a free one)`,
        );
      }
      throw error;
    }
    undo.push({ what: 'the local Slack', run: () => slack.close() });
    const hints = tryThis({ lab: opts.lab !== 'none', defaultLab, ...(labStateDir ? { labStateDir } : {}) });
    const mounted: MountedConsole = mountConsole(slack, {
      hints,
      ...(labStateDir ? { controls: labControls(labStateDir) } : {}),
    });
    undo.push({ what: 'the console streams', run: async () => mounted.close() });
    running.push(`the local Slack: ${slack.url} (Web API ${slack.apiUrl})`);

    const env = readEnv({
      REDIS_URL: redisInfo.url,
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      INGEST_TOKEN: ingestToken,
      PORT: '0',
      LOG_LEVEL: opts.env.LOG_LEVEL,
    });

    // The bot.
    checkpoint();
    log('starting the bot');
    const demoBot = await startDemoBot({ env, inventory, keys, redis, logger });
    const { port: botPort, subscriptions } = demoBot;
    undo.push({ what: 'the bot', run: () => demoBot.close() });
    slack.setApp({ requestUrl: `http://127.0.0.1:${botPort}/slack/events` });
    running.push(`the bot (HTTP mode): http://127.0.0.1:${botPort}/slack/events`);
    // The ingest is served beside /slack/events; the lab's mon reaches it on the lab's segment.
    let ingestPort = botPort;
    if (ingest!.host !== '127.0.0.1') {
      try {
        const relay = await startIngestRelay({ host: ingest!.host, port: ingest!.port, to: botPort });
        undo.push({ what: 'the ingest relay', run: () => relay.close() });
        ingestPort = relay.port;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new DemoError(
            'DEMO_PORT_TAKEN',
            `${ingest!.host}:${ingest!.port}, where the lab's mon sends its alerts, is in use: stop what listens there`,
          );
        }
        throw error;
      }
    }
    running.push(
      `alert ingest on http://${ingest!.host}:${ingestPort}/hooks/mon (event processor and notifier in the bot's process)`,
    );

    const ctx: DemoContext = {
      env,
      inventory,
      keys,
      logger,
      connect,
      ingest: { url: `http://127.0.0.1:${botPort}`, token: ingestToken },
      ...(labStateDir ? { labStateDir } : {}),
    };
    for (const component of opts.components ?? DEMO_COMPONENTS) {
      checkpoint();
      log(`starting the ${component.name}`);
      const started = await component.start(ctx);
      undo.push({ what: `the ${component.name}`, run: () => started.stop() });
      running.push(started.describe);
    }

    const cluster = inventory.clusters.find((c) => c.slack.channel === DEMO_CHANNEL) ?? inventory.clusters[0];
    await subscriptions.add({
      channel: DEMO_CHANNEL,
      ...(cluster ? { cluster: cluster.name } : {}),
      createdBy: 'lvs-chatops demo',
    });
    running.push(`#lvs-ops subscribed to ${cluster ? `cluster ${cluster.name}` : 'everything'}`);
    checkpoint();

    return {
      url: slack.url,
      apiUrl: slack.apiUrl,
      slack,
      inventory: inventoryFile,
      ...(labStateDir ? { labStateDir } : {}),
      redisUrl: redisInfo.url,
      keyPrefix: keys.prefix,
      running,
      hints,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The lab's workspace (its channels and users), under the inventory's team id: approval clicks
 * count only from the inventory's workspace (`slack.team`), so the demo's Slack is that one,
 * whichever inventory it runs with (the lab's T0LAB, the example's T0SEED with --no-lab).
 */
function workspaceOf(inventory: Inventory): SeedInput {
  const seed = defaultSeedInput();
  return { ...seed, team: { ...seed.team, id: inventory.slack.team } };
}
