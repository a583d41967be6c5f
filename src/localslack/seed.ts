import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { LocalSlackError } from './local-slack-error.js';
import defaultSeed from './seed.default.json' with { type: 'json' };

const userId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user ID such as U0OPERATOR');
const channelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'a Slack channel ID such as C0LVSOPS');

const seedSchema = z
  .object({
    team: z.object({
      id: z.string().regex(/^T[A-Z0-9]{2,}$/, 'a Slack team ID such as T0LAB'),
      domain: z.string().regex(/^[a-z0-9-]{1,21}$/, 'lowercase letters, digits and dashes'),
      name: z.string().min(1),
    }),
    app: z.object({
      id: z.string().regex(/^A[A-Z0-9]{2,}$/, 'a Slack app ID such as A0LVSCHATOPS'),
      name: z.string().min(1),
      botId: z.string().regex(/^B[A-Z0-9]{2,}$/, 'a bot ID such as B0LVSBOT'),
      botUserId: userId,
      botName: z.string().min(1),
      verificationToken: z.string().min(1),
      scopes: z.array(z.string()),
    }),
    users: z.array(
      z.object({
        id: userId,
        name: z.string().min(1),
        realName: z.string().min(1),
        email: z.string().optional(),
        tz: z.string().default('UTC'),
        isAdmin: z.boolean().default(false),
        deleted: z.boolean().default(false),
      }),
    ),
    channels: z.array(
      z.object({
        id: channelId,
        name: z.string().regex(/^[a-z0-9_-]{1,80}$/, 'a channel name: lowercase, no #'),
        private: z.boolean().default(false),
        archived: z.boolean().default(false),
        general: z.boolean().default(false),
        topic: z.string().default(''),
        purpose: z.string().default(''),
        members: z.array(userId),
      }),
    ),
    usergroups: z
      .array(
        z.object({
          id: z.string().regex(/^S[A-Z0-9]{2,}$/, 'a user group ID such as S0LVSAPPR'),
          handle: z.string().min(1),
          name: z.string().min(1),
          description: z.string().default(''),
          disabled: z.boolean().default(false),
          users: z.array(userId),
        }),
      )
      .default([]),
    defaultChannel: channelId,
  })
  .superRefine((seed, ctx) => {
    const known = new Set([...seed.users.map((u) => u.id), seed.app.botUserId]);
    const channelIds = new Set<string>();
    seed.channels.forEach((channel, i) => {
      if (channelIds.has(channel.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', i, 'id'],
          message: `duplicate channel ${channel.id}`,
        });
      }
      channelIds.add(channel.id);
      channel.members.forEach((member, j) => {
        if (!known.has(member)) {
          ctx.addIssue({
            code: 'custom',
            path: ['channels', i, 'members', j],
            message: `${member} is not a seeded user; known: ${[...known].join(', ')}`,
          });
        }
      });
    });
    seed.usergroups.forEach((group, i) => {
      group.users.forEach((member, j) => {
        if (!known.has(member)) {
          ctx.addIssue({
            code: 'custom',
            path: ['usergroups', i, 'users', j],
            message: `${member} is not a seeded user; known: ${[...known].join(', ')}`,
          });
        }
      });
    });
    if (!channelIds.has(seed.defaultChannel)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultChannel'],
        message: `${seed.defaultChannel} is not a seeded channel; known: ${[...channelIds].join(', ')}`,
      });
    }
  });

/** The workspace the local Slack starts with. */
export type Seed = z.infer<typeof seedSchema>;
/** A seed as written in a file (defaults not yet applied). */
export type SeedInput = z.input<typeof seedSchema>;

/** The lab's workspace: team T0LAB, #lvs-ops (C0LVSOPS), U0OPERATOR, U0APPROVER, U0OTHER. */
export function defaultSeedInput(): SeedInput {
  return structuredClone(defaultSeed) as SeedInput;
}

/**
 * Validates a seed given as an object, or read from a JSON or YAML file. Every problem is
 * reported as `path.to.key: message`.
 */
export function loadSeed(source: SeedInput | string | undefined): Seed {
  let raw: unknown;
  let where = 'seed';
  if (source === undefined) {
    raw = defaultSeedInput();
  } else if (typeof source === 'string') {
    where = source;
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (error) {
      throw new LocalSlackError(
        'invalid_seed',
        `cannot read the workspace seed file ${source}: ${(error as Error).message}`,
      );
    }
    try {
      raw = /\.ya?ml$/i.test(source) ? parseYaml(text) : JSON.parse(text);
    } catch (error) {
      throw new LocalSlackError(
        'invalid_seed',
        `${source} is not valid JSON/YAML: ${(error as Error).message}`,
      );
    }
  } else {
    raw = source;
  }
  const parsed = seedSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new LocalSlackError(
      'invalid_seed',
      `${where} is not a valid local Slack seed:\n${lines.join('\n')}`,
    );
  }
  return parsed.data;
}
