import type { App } from '@slack/bolt';
import { z } from 'zod';
import { channelServes, clusterFor } from '../access.js';
import { clickedIn } from '../approvals/click-origin.js';
import type { CommandHandler } from '../commands/handle-command.js';
import { ephemeral, problem } from '../reply.js';
import {
  applyValueSchema,
  BUILD_ACTIONS,
  parseValue,
  SKIP_INPUT,
  SKIP_VIEW,
  skipMetadataSchema,
  stepValueSchema,
} from './build-action-ids.js';
import { type BuildDeps, BuildFlow, BuildRefusal, type MessageRef } from './build-flow.js';

/** The parts of a block_actions payload the build reads (zod at the boundary). */
const actionBodySchema = z.object({
  team: z.object({ id: z.string() }).nullish(),
  user: z.object({ id: z.string() }),
  trigger_id: z.string().optional(),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).optional(),
  message: z.object({ ts: z.string() }).optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string(),
        value: z.string().optional(),
        selected_option: z.object({ value: z.string() }).optional(),
      }),
    )
    .min(1),
});

const viewBodySchema = z.object({
  user: z.object({ id: z.string() }),
  view: z.object({
    private_metadata: z.string(),
    state: z.object({
      values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }))),
    }),
  }),
});

/**
 * Registers the guided build on the Bolt app: the buttons of the build message
 * (`lvs_build_*`), the approval buttons in its thread, and the skip modal. Returns the
 * `/lvs build` handler, to be put in the command handlers' `extra` map:
 *
 *   services.extra = { ...services.extra, build: registerBuildActions(bot.app, deps) };
 */
export function registerBuildActions(app: App, deps: BuildDeps): CommandHandler {
  const flow = new BuildFlow(deps, app.client);

  const stepActions = [
    BUILD_ACTIONS.back,
    BUILD_ACTIONS.next,
    BUILD_ACTIONS.check,
    BUILD_ACTIONS.skip,
    BUILD_ACTIONS.stop,
    BUILD_ACTIONS.apply,
    BUILD_ACTIONS.goto,
  ] as const;
  for (const id of stepActions) {
    app.action(id, async ({ ack, body }) => {
      await ack();
      const parsed = actionBodySchema.safeParse(body);
      if (!parsed.success) {
        deps.logger.warn({ action: id }, 'a build click without the expected fields');
        return;
      }
      const b = parsed.data;
      const action = b.actions[0]!;
      const value = parseValue(stepValueSchema, action.selected_option?.value ?? action.value);
      const at = messageOf(b);
      const user = b.user.id;
      try {
        if (!value || !at)
          throw new BuildRefusal('This button is from a message the bot cannot read; run /lvs build again.');
        const cluster = flow.cluster(value.c);
        switch (id) {
          case BUILD_ACTIONS.back:
            return await flow.back(cluster, value.s, user, at);
          case BUILD_ACTIONS.next:
            return await flow.next(cluster, value.s, user, at);
          case BUILD_ACTIONS.goto:
            return await flow.goTo(cluster, value.s, user, at);
          case BUILD_ACTIONS.stop:
            return await flow.stop(cluster, user, at);
          case BUILD_ACTIONS.check:
            await flow.check(cluster, value.s, user, at);
            return;
          case BUILD_ACTIONS.skip:
            if (!b.trigger_id)
              throw new BuildRefusal('Slack sent no trigger to open the skip dialog; try again.');
            return await flow.askSkipReason(cluster, value.s, user, at, b.trigger_id);
          case BUILD_ACTIONS.apply:
            await flow.requestApply(cluster, value.s, user, at);
            return;
        }
      } catch (error) {
        await flow.refuse(user, at?.channel, error);
      }
    });
  }

  for (const [id, approve] of [
    [BUILD_ACTIONS.approve, true],
    [BUILD_ACTIONS.reject, false],
  ] as const) {
    app.action(id, async ({ ack, body }) => {
      await ack();
      const parsed = actionBodySchema.safeParse(body);
      if (!parsed.success) return;
      const b = parsed.data;
      const value = parseValue(applyValueSchema, b.actions[0]!.value);
      const at = messageOf(b);
      try {
        if (!value || !at) throw new BuildRefusal('This approval is from a message the bot cannot read.');
        await flow.decideApply(flow.cluster(value.c), value.a, b.user.id, approve, at, clickedIn(b));
      } catch (error) {
        await flow.refuse(b.user.id, at?.channel, error);
      }
    });
  }

  app.view(SKIP_VIEW, async ({ ack, body }) => {
    const parsed = viewBodySchema.safeParse(body);
    const meta = parsed.success
      ? parseValue(skipMetadataSchema, parsed.data.view.private_metadata)
      : undefined;
    if (!parsed.success || !meta) {
      await ack();
      return;
    }
    const reason = parsed.data.view.state.values[SKIP_INPUT.block]?.[SKIP_INPUT.action]?.value?.trim() ?? '';
    if (reason === '') {
      await ack({
        response_action: 'errors',
        errors: { [SKIP_INPUT.block]: 'Say why the step is skipped.' },
      });
      return;
    }
    await ack();
    const user = parsed.data.user.id;
    try {
      await flow.skip(flow.cluster(meta.c), meta.s, user, reason, { channel: meta.ch, ts: meta.ts });
    } catch (error) {
      await flow.refuse(user, meta.ch, error);
    }
  });

  return async (services, inv, command) => {
    if (command.name !== 'build') return { ack: problem('/lvs build handles only the build command.') };
    const cluster = clusterFor(services.inventory, inv.channel, command.cluster);
    if (!cluster) {
      const known = services.inventory.clusters.map((c) => c.name).join(', ');
      return {
        ack: problem(
          command.cluster
            ? `cluster ${command.cluster} is not in the inventory; known: ${known}`
            : `say which cluster: /lvs build CLUSTER (${known})`,
        ),
      };
    }
    if ((await flow.role(cluster, inv.user)) === 'viewer') {
      return {
        ack: problem(
          `You are not an operator of cluster ${cluster.name}; ask someone in its operators or approvers list.`,
        ),
      };
    }
    // Asked in a DM with the bot (or another cluster's channel): the build's messages, and the
    // Apply approvals in its thread, go where the cluster's approvers are.
    const posted = channelServes(cluster, inv.channel) ? inv.channel : cluster.slack.channel;
    const where = posted === inv.channel ? '' : ` in <#${posted}>, cluster ${cluster.name}'s channel`;
    return {
      ack: ephemeral(`Opening the guided build of ${cluster.name}${where}…`),
      later: async () => {
        try {
          await flow.open(cluster, inv.user, posted);
          return undefined;
        } catch (error) {
          deps.logger.error(
            { err: error, cluster: cluster.name },
            '/lvs build could not post the build message',
          );
          return problem(
            `The build message could not be posted in <#${posted}> (${(error as Error).message}); is the bot a member?`,
          );
        }
      },
    };
  };
}

function messageOf(b: z.infer<typeof actionBodySchema>): MessageRef | undefined {
  const channel = b.container?.channel_id ?? b.channel?.id;
  const ts = b.container?.message_ts ?? b.message?.ts;
  return channel && ts ? { channel, ts } : undefined;
}
