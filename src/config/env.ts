import { z } from 'zod';
import { INGEST_TOKEN_VAR } from './inventory-schema.js';
import { parseRedisUrl } from './redis-url.js';

/**
 * The process configuration, read by one pure function of the environment (docs/interfaces.md, "Environment").
 * Nothing else in the code reads process.env: callers pass what they got from here.
 */
const envSchema = z.object({
  LVS_INVENTORY: z.string().min(1).default('./inventory.yml'),
  // One server, a Sentinel set or a Cluster (src/config/redis-url.ts, docs/redis.md).
  REDIS_URL: z
    .string()
    .min(1)
    .default('redis://127.0.0.1:6379')
    .superRefine((url, ctx) => {
      const parsed = parseRedisUrl(url);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
    }),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().min(1).optional(),
  SLACK_API_URL: z.url().default('https://slack.com/api/'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  INGEST_TOKEN: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema> & {
  /**
   * Every INGEST_TOKEN_* variable that is set: the inventory's `tokenEnv` names one of them
   * (an inventory names its own variables, so they cannot be listed above).
   */
  ingestTokenVars: Record<string, string>;
};

export class EnvError extends Error {
  readonly code = 'ENV_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid environment:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

export function readEnv(env: Record<string, string | undefined> = process.env): Env {
  // Empty strings mean "unset", as a shell `FOO= cmd` intends.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const ingestTokenVars = Object.fromEntries(
    Object.entries(cleaned).filter((e): e is [string, string] => INGEST_TOKEN_VAR.test(e[0])),
  );
  return { ...parsed.data, ingestTokenVars };
}
