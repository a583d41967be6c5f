import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Cluster } from '../config/inventory.js';
import type { Command } from '../core/commands/index.js';
import { DURATION_EXAMPLES, formatDuration, parseDuration as parseDurationResult } from '../core/duration.js';
import type { Incident } from '../core/incidents/index.js';
import type { Logger } from '../log/logger.js';
import type { SilenceScheduler } from '../queues/silence-queue.js';
import type { EventStore } from '../store/event-store.js';
import type { SilenceStore } from '../store/silence-store.js';
import {
  type AckSilenceDeps,
  acknowledge,
  ackSilenceHandler,
  silence,
  silenceOfIncident,
  unsilence,
} from './commands/ack-silence.js';
import type { BotServices, CommandHandler } from './commands/handle-command.js';
import { problem, type Reply } from './reply.js';

/** What the incident message's buttons carry (src/notifiers/slack/render-incident.ts). */
const buttonValue = z.object({
  incident: z.string().regex(/^[A-Za-z0-9._:-]{1,140}$/),
  cluster: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
  server: z.string().max(100).optional(),
  vip: z.string().max(100).optional(),
});

export interface IncidentActionDeps {
  events: EventStore;
  /** The change flow (plan → approval) the remove/drain/failback buttons go through. */
  change: CommandHandler;
  silences: SilenceStore;
  scheduler: SilenceScheduler;
  /** Tells a user something in a direct message (the answer to the custom silence form). */
  dm: (user: string, text: string) => Promise<void>;
  logger: Logger;
  monTimeoutMs?: number;
}

/**
 * The buttons on an incident message. Remove, Drain and Force failback go through the same
 * plan-and-approval flow as the /lvs commands, prefilled from the alert. Acknowledge records
 * who took it (an event on the incident's timeline, so every bot process and the message
 * agree) and tells mon, so mon stops re-alerting until the service recovers.
 */
export function registerIncidentActions(
  app: App,
  services: () => BotServices,
  deps: IncidentActionDeps,
): void {
  const parse = (action: unknown) => {
    const value = (action as { value?: unknown }).value;
    if (typeof value !== 'string') return undefined;
    try {
      const parsed = buttonValue.safeParse(JSON.parse(value));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };

  const viaChange = (name: 'remove' | 'drain' | 'failback') =>
    app.action(`lvs_${name}`, async ({ ack, body, action, respond }) => {
      await ack();
      const v = parse(action);
      const channel = (body as { channel?: { id?: string } }).channel?.id ?? '';
      if (!v || (name !== 'failback' && !v.server)) {
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: ':warning: This button carries no real server; use /lvs.',
        });
        return;
      }
      const s = services();
      const command: Command =
        name === 'failback'
          ? { name: 'failback', cluster: v.cluster }
          : name === 'drain'
            ? { name: 'drain', server: v.server!, remove: false, ...(v.vip && { vip: v.vip }) }
            : { name: 'remove', server: v.server!, ...(v.vip && { vip: v.vip }) };
      const user = body.user.id;
      // The change handler decides by the button's target (its real server's cluster), as for /lvs.
      const outcome = await deps.change(s, { user, channel, text: '' }, command);
      await respond({ ...outcome.ack, replace_original: false });
      if (outcome.later) {
        const reply = await outcome.later().catch((err: Error) => problem(err.message));
        if (reply) await respond({ ...reply, response_type: 'ephemeral', replace_original: false });
      }
    });
  viaChange('remove');
  viaChange('drain');
  viaChange('failback');

  const ackDeps = (): AckSilenceDeps => ({
    events: deps.events,
    silences: deps.silences,
    scheduler: deps.scheduler,
    logger: deps.logger,
    ...(deps.monTimeoutMs !== undefined && { monTimeoutMs: deps.monTimeoutMs }),
  });
  // The slash commands share the buttons' functions (src/bot/commands/ack-silence.ts).
  const commands = ackSilenceHandler(ackDeps());
  const s0 = services();
  s0.extra = { ...s0.extra, ack: commands, silence: commands, unsilence: commands };

  const say = (respond: RespondFn, reply: Reply) => respond({ ...reply, replace_original: false });

  app.action('lvs_ack', async ({ ack, body, action, respond }) => {
    await ack();
    const v = parse(action);
    if (!v) return void (await say(respond, problem('This button carries no incident.')));
    await say(respond, await acknowledge(ackDeps(), services(), { user: body.user.id }, v.incident));
  });

  app.action('lvs_silence', async ({ ack, body, action, respond, client }) => {
    await ack();
    const picked = silenceChoice.safeParse(
      (action as { selected_option?: { value?: unknown } }).selected_option?.value,
    );
    if (!picked.success) return void (await say(respond, problem('This menu carries no incident.')));
    const { choice, incident: id } = picked.data;
    const s = services();
    const found = await incidentOf(s, id);
    if (!found) return void (await say(respond, problem(`No incident ${id}; see /lvs incidents.`)));
    if (choice === 'custom') {
      const triggerId = (body as { trigger_id?: string }).trigger_id;
      if (!triggerId)
        return void (await say(
          respond,
          problem('Slack sent no trigger to open the form; use /lvs silence.'),
        ));
      await client.views.open({ trigger_id: triggerId, view: customSilenceView(found.incident) as never });
      return;
    }
    const durationMs = choice === 'resolved' ? undefined : parseDuration(choice);
    const req = silenceOfIncident(found.incident, durationMs === undefined ? undefined : durationMs);
    if (!req)
      return void (await say(respond, problem(`${id} names no mon group; there is nothing to silence.`)));
    await say(respond, await silence(ackDeps(), s, { user: body.user.id }, found.cluster, req));
  });

  app.view(CUSTOM_SILENCE_VIEW, async ({ ack, body, view }) => {
    const s = services();
    const found = await incidentOf(s, view.private_metadata);
    const values = view.state.values as Record<string, Record<string, { value?: string | null }>>;
    const text = values.duration?.lvs_silence_duration?.value?.trim() ?? '';
    const reason = values.reason?.lvs_silence_reason?.value?.trim() || undefined;
    const d = parseDurationResult(text);
    if (!found)
      return void (await ack({ response_action: 'errors', errors: { duration: 'The incident is gone.' } }));
    if (!d.ok || d.value <= 0) {
      return void (await ack({
        response_action: 'errors',
        errors: { duration: `Not a positive duration: try ${DURATION_EXAMPLES}.` },
      }));
    }
    if (d.value > found.cluster.policy.maxSilence) {
      return void (await ack({
        response_action: 'errors',
        errors: {
          duration: `At most ${formatDuration(found.cluster.policy.maxSilence)} (policy.maxSilence).`,
        },
      }));
    }
    await ack();
    const req = silenceOfIncident(found.incident, d.value, reason);
    const reply = req
      ? await silence(ackDeps(), s, { user: body.user.id }, found.cluster, req)
      : problem(`${found.incident.id} names no mon group; there is nothing to silence.`);
    await deps
      .dm(body.user.id, reply.text)
      .catch((err: Error) =>
        deps.logger.warn({ err: err.message }, 'could not tell the user how the silence went'),
      );
  });

  app.action('lvs_unsilence', async ({ ack, body, action, respond }) => {
    await ack();
    const raw = (action as { value?: unknown }).value;
    let v: z.infer<typeof unsilenceValue> | undefined;
    try {
      const r = unsilenceValue.safeParse(typeof raw === 'string' ? JSON.parse(raw) : undefined);
      v = r.success ? r.data : undefined;
    } catch {
      v = undefined;
    }
    const s = services();
    const cluster = v && s.inventory.clusters.find((c) => c.name === v.cluster);
    if (!v || !cluster) return void (await say(respond, problem('This button names no silence.')));
    await say(respond, await unsilence(ackDeps(), s, { user: body.user.id }, cluster, v.target));
  });
}

type RespondFn = (message: Reply & { replace_original?: boolean }) => Promise<unknown>;

const silenceChoice = z
  .string()
  .regex(/^(30m|1h|4h|resolved|custom) [A-Za-z0-9._:-]{1,140}$/)
  .transform((v) => {
    const [choice, incident] = v.split(' ') as [string, string];
    return { choice, incident };
  });

const unsilenceValue = z.object({
  cluster: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
  target: z.string().regex(/^[A-Za-z0-9._-]{1,128}(:[A-Za-z0-9._-]{1,128})?$/),
});

const CUSTOM_SILENCE_VIEW = 'lvs_silence_custom';

function parseDuration(text: string): number | undefined {
  const r = parseDurationResult(text);
  return r.ok ? r.value : undefined;
}

async function incidentOf(
  s: BotServices,
  id: string,
): Promise<{ cluster: Cluster; incident: Incident } | undefined> {
  const cluster = s.inventory.clusters.find((c) => c.name === id.slice(0, id.lastIndexOf('-')));
  const incident = cluster ? await s.incidents.get(cluster.name, id) : undefined;
  return cluster && incident ? { cluster, incident } : undefined;
}

/** The Custom… choice of the Silence menu: a duration (and a reason) for the incident's service. */
function customSilenceView(incident: Incident): Record<string, unknown> {
  const target = [incident.group, incident.service].filter(Boolean).join(':');
  return {
    type: 'modal',
    callback_id: CUSTOM_SILENCE_VIEW,
    private_metadata: incident.id,
    title: { type: 'plain_text', text: 'Silence in mon' },
    submit: { type: 'plain_text', text: 'Silence' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `Silence *${target}* (${incident.id}) in mon for how long?` },
      },
      {
        type: 'input',
        block_id: 'duration',
        label: { type: 'plain_text', text: 'Duration' },
        element: {
          type: 'plain_text_input',
          action_id: 'lvs_silence_duration',
          placeholder: { type: 'plain_text', text: 'e.g. 2h or 1h30m' },
        },
      },
      {
        type: 'input',
        block_id: 'reason',
        optional: true,
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: 'lvs_silence_reason', max_length: 500 },
      },
    ],
  };
}
