import { WebClient } from '@slack/web-api';
import type { Env } from '../../config/env.js';
import { formatInventoryError } from '../../config/inventory-error.js';
import { loadInventory } from '../../config/load-inventory.js';
import { allSshTargets } from '../../config/lookup.js';
import { createRedis, describeRedis } from '../../redis/create-redis.js';
import { SshExecutor } from '../../ssh/index.js';
import { readCliEnv } from '../cli-setup.js';
import { type CliCommand, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, wantsHelp } from '../command.js';

const usage = `usage: lvs-chatops doctor [--no-slack] [--no-ssh]

Checks what the bot and the workers need, and says what to fix:
  - the inventory (LVS_INVENTORY) loads and passes every check;
  - Redis (REDIS_URL) answers;
  - Slack accepts the bot token (auth.test at SLACK_API_URL);
  - every director and real server answers over SSH with its pinned host key.
Exits 0 when all pass, 1 otherwise.`;

type Check = { name: string; ok: boolean; detail: string };

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'checks Redis, Slack auth, and SSH to every inventory host (host key included)',
  usage,
  async run(args, io) {
    if (wantsHelp(args)) {
      io.out(usage);
      return EXIT_OK;
    }
    const unknown = args.find((a) => a !== '--no-slack' && a !== '--no-ssh');
    if (unknown) {
      io.err(`lvs-chatops doctor: unknown option '${unknown}'\n\n${usage}`);
      return EXIT_USAGE;
    }
    const env = readCliEnv('doctor', io);
    if (!env) return EXIT_FAILURE;
    const checks: Check[] = [];
    const report = (c: Check) => {
      checks.push(c);
      io.out(`${(c.ok ? 'ok' : 'FAIL').padEnd(4)}  ${c.name}: ${c.detail}`);
    };

    const loaded = await loadInventory(env.LVS_INVENTORY);
    if (!loaded.ok) {
      report({
        name: 'inventory',
        ok: false,
        detail: `${env.LVS_INVENTORY} has errors (run lvs-chatops config check):\n${loaded.error.map((e) => `      ${formatInventoryError(e)}`).join('\n')}`,
      });
    } else {
      report({ name: 'inventory', ok: true, detail: `${env.LVS_INVENTORY} loads` });
    }

    report(await checkRedis(env));
    if (!args.includes('--no-slack')) report(await checkSlack(env));

    if (loaded.ok && !args.includes('--no-ssh')) {
      const ssh = new SshExecutor({ connectTimeoutMs: 10_000, commandTimeoutMs: 15_000 });
      try {
        const results = await Promise.all(
          allSshTargets(loaded.value).map(async ({ cluster, role, target }): Promise<Check> => {
            const name = `ssh ${cluster}/${target.name} (${role}, ${target.user}@${target.host}:${target.port})`;
            try {
              const res = await ssh.run(target, ['uname', '-n'], { timeoutMs: 15_000 });
              return { name, ok: true, detail: `host key matches its pin; uname -n: ${res.stdout.trim()}` };
            } catch (err) {
              return { name, ok: false, detail: err instanceof Error ? err.message : String(err) };
            }
          }),
        );
        results.forEach(report);
      } finally {
        await ssh.close();
      }
    }

    const failed = checks.filter((c) => !c.ok).length;
    io.out(
      failed === 0 ? `\nall ${checks.length} checks passed` : `\n${failed} of ${checks.length} checks failed`,
    );
    return failed === 0 ? EXIT_OK : EXIT_FAILURE;
  },
};

async function checkRedis(env: Env): Promise<Check> {
  const redis = createRedis(env, 'probe');
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const pong = await redis.ping();
    const info = await redis.info('persistence');
    const aof = /aof_enabled:1/.test(info)
      ? 'AOF on'
      : 'AOF off (an accepted alert may be lost if Redis restarts)';
    return {
      name: 'redis',
      ok: pong === 'PONG',
      detail: `${describeRedis(env)} answers; ${aof}`,
    };
  } catch (err) {
    return {
      name: 'redis',
      ok: false,
      detail: `${describeRedis(env)} does not answer: ${(err as Error).message}`,
    };
  } finally {
    redis.disconnect();
  }
}

async function checkSlack(env: Env): Promise<Check> {
  if (!env.SLACK_BOT_TOKEN) return { name: 'slack', ok: false, detail: 'SLACK_BOT_TOKEN is not set' };
  const client = new WebClient(env.SLACK_BOT_TOKEN, {
    slackApiUrl: env.SLACK_API_URL,
    retryConfig: { retries: 0 },
    timeout: 5000,
  });
  try {
    const res = await client.auth.test();
    return {
      name: 'slack',
      ok: true,
      detail: `token accepted: bot ${res.user} in team ${res.team} (${env.SLACK_API_URL})`,
    };
  } catch (err) {
    return {
      name: 'slack',
      ok: false,
      detail: `auth.test failed at ${env.SLACK_API_URL}: ${(err as Error).message}`,
    };
  }
}
