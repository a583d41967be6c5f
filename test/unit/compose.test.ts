import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readEnv } from '../../src/config/env.js';
import { defaultsSchema } from '../../src/config/inventory-schema.js';
import { parseRedisUrl } from '../../src/config/redis-url.js';

// What this checks, honestly: Docker cannot run on the development or CI machines, so this
// reads docker-compose.yml, the Dockerfile, .dockerignore and .env.example as text and YAML and
// checks what they declare (services, Redis flags, health checks, read-only mounts, a
// scalable worker, a non-root image). It does not build the image or start a container, and
// it does not prove Docker accepts the file beyond its YAML structure.

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (name: string) => readFileSync(`${root}${name}`, 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  env_file?: string | string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  container_name?: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

// `<<: *anchor` merge keys are how the file shares the bot's and workers' settings.
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const { redis, bot, worker } = compose.services as Record<'redis' | 'bot' | 'worker', Service>;
/** How the file names the Redis password: required, never defaulted. */
const REQUIRED_PASSWORD = `\${REDIS_PASSWORD:?set REDIS_PASSWORD in .env, e.g. openssl rand -hex 32}`;

/** Bind mounts as [source, target, mode]. */
const mounts = (service: Service) => (service.volumes ?? []).map((v) => v.split(':'));

describe('docker-compose.yml', () => {
  it('runs Redis, the bot and the worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['bot', 'redis', 'worker']);
    expect(bot.command).toEqual(['bot']);
    expect(worker.command).toEqual(['worker']);
  });

  it('runs Redis with AOF on, noeviction, and its data on a named volume', () => {
    const args = redis.command ?? [];
    expect(args[0]).toBe('redis-server');
    expect(args[args.indexOf('--appendonly') + 1]).toBe('yes');
    expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(redis.volumes).toEqual(['redis-data:/data']);
    expect(compose.volumes).toHaveProperty('redis-data');
    expect(redis.ports).toBeUndefined();
  });

  it('checks the health of every service: redis-cli ping, GET /healthz, and the worker reaching Redis', () => {
    expect(redis.healthcheck?.test.join(' ')).toMatch(/redis-cli ping/);
    expect(bot.healthcheck?.test.join(' ')).toMatch(/\/healthz/);
    expect(worker.healthcheck?.test.join(' ')).toMatch(/ping\(\)/);
    for (const service of [bot, worker]) {
      expect(service.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    }
  });

  it('reads the environment from .env and points both processes at the compose Redis, with its password', () => {
    for (const service of [bot, worker]) {
      expect(service.env_file).toBe('.env');
      expect(service.environment?.REDIS_URL).toBe(`redis://:${REQUIRED_PASSWORD}@redis:6379`);
      expect(service.environment?.LVS_INVENTORY).toBe('/etc/lvs-chatops/inventory.yml');
    }
  });

  it('runs Redis with requirepass from REDIS_PASSWORD, and will not start anything without it', () => {
    // ${VAR:?message}: compose stops with the message when VAR is unset or empty. Every use of
    // the password is this form, so no service starts with an empty password.
    expect(REQUIRED_PASSWORD).toMatch(/^\$\{REDIS_PASSWORD:\?.*openssl rand -hex 32\}$/);
    const args = redis.command ?? [];
    expect(args[args.indexOf('--requirepass') + 1]).toBe(REQUIRED_PASSWORD);
    // The health check's redis-cli authenticates through REDISCLI_AUTH.
    expect(redis.environment?.REDISCLI_AUTH).toBe(REQUIRED_PASSWORD);
    const text = read('docker-compose.yml');
    expect(text.match(/\$\{REDIS_PASSWORD[^}]*\}/g)).toEqual(Array(3).fill(REQUIRED_PASSWORD));
  });

  it('gives the bot and the worker a REDIS_URL they read as carrying that password', () => {
    const password = 'a3f1c09b7e'.repeat(6);
    const url = (bot.environment?.REDIS_URL ?? '').replace(REQUIRED_PASSWORD, password);
    const env = readEnv({ REDIS_URL: url });
    const target = parseRedisUrl(env.REDIS_URL);
    expect(target.ok && target.value.kind === 'standalone' && new URL(target.value.url).password).toBe(
      password,
    );
  });

  it('mounts the inventory read-only where LVS_INVENTORY points, and the SSH key read-only for workers only', () => {
    expect(mounts(bot)).toEqual([['./inventory.yml', '/etc/lvs-chatops/inventory.yml', 'ro']]);
    expect(mounts(worker)).toEqual([
      ['./inventory.yml', '/etc/lvs-chatops/inventory.yml', 'ro'],
      ['./id_ed25519', '/etc/lvs-chatops/id_ed25519', 'ro'],
    ]);
    // The inventory's default key path is where the key is mounted.
    expect(defaultsSchema.parse(undefined).ssh.key).toBe('/etc/lvs-chatops/id_ed25519');
  });

  it('lets the worker scale with --scale worker=N: no fixed name, no published port', () => {
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(bot.image).toBe(worker.image);
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile.split('\n').filter((l) => /^[A-Z]+ /.test(l));

  it('builds on node:20-bookworm-slim in two stages, installing only production dependencies in the last', () => {
    const froms = instructions.filter((l) => l.startsWith('FROM '));
    expect(froms).toEqual(['FROM node:20-bookworm-slim AS build', 'FROM node:20-bookworm-slim']);
    const runtime = instructions.slice(instructions.indexOf('FROM node:20-bookworm-slim'));
    expect(runtime).toContain('RUN npm ci --omit=dev && npm cache clean --force');
    expect(runtime.some((l) => l.startsWith('COPY --from=build'))).toBe(true);
  });

  it('runs as a non-root user, with the CLI as entry point', () => {
    const users = instructions.filter((l) => l.startsWith('USER '));
    expect(users).toEqual(['USER node']);
    expect(instructions).toContain('ENTRYPOINT ["node", "bin/lvs-chatops.js"]');
  });

  it('installs no openssh-client (ssh2 speaks SSH itself)', () => {
    expect(instructions.join('\n')).not.toMatch(/apt-get|openssh/);
  });

  it('keeps secrets and site data out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const pattern of ['.env', 'inventory.yml', 'id_*', 'node_modules', '.git']) {
      expect(ignored).toContain(pattern);
    }
  });
});

describe('.env.example', () => {
  const assignments = read('.env.example')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => l.split('=', 2) as [string, string]);

  it('names every variable of the environment, and the compose Redis password, each with a comment above it', () => {
    const contract = [
      'LVS_INVENTORY',
      'REDIS_URL',
      'REDIS_PASSWORD',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'SLACK_APP_TOKEN',
      'SLACK_API_URL',
      'PORT',
      'INGEST_TOKEN',
      'LOG_LEVEL',
    ];
    expect(assignments.map(([name]) => name)).toEqual(contract);
    const lines = read('.env.example').split('\n');
    for (const name of contract) {
      expect(lines[lines.findIndex((l) => l.startsWith(`${name}=`)) - 1], name).toMatch(/^# /);
    }
  });

  it('holds values readEnv accepts as they are', () => {
    expect(() => readEnv(Object.fromEntries(assignments))).not.toThrow();
  });
});
