import { formatIssue, validateView } from '../block-kit-validator.js';
import type { Redemption } from '../trigger-registry.js';
import type { LocalView } from '../types.js';
import type { Args } from './args.js';
import type { MethodTable } from './method-spec.js';
import { SlackApiError } from './slack-api-error.js';

type Json = Record<string, unknown>;

/** The `view` argument, parsed and checked; views.* answer bad views with invalid_arguments. */
function viewArgument(args: Args, opts: { expectHome: boolean }): Json {
  if (!args.has('view')) throw SlackApiError.invalidArguments('missing required field: view');
  let view: unknown;
  try {
    view = args.json('view', 'invalid_arguments');
  } catch {
    throw SlackApiError.invalidArguments('invalid `view`: not valid JSON');
  }
  const issues = validateView(view, opts);
  if (issues.length > 0) throw SlackApiError.invalidArguments(...issues.map(formatIssue));
  return view as Json;
}

function assertExternalIdFree(view: Json, taken: (id: string) => boolean, except?: LocalView): void {
  const externalId = typeof view.external_id === 'string' ? view.external_id : '';
  if (externalId !== '' && taken(externalId) && except?.externalId !== externalId) {
    throw new SlackApiError('duplicate_external_id');
  }
}

function redeemTrigger(args: Args, redeem: (id: string) => Redemption): string {
  const triggerId = args.string('trigger_id');
  if (triggerId === undefined) throw SlackApiError.invalidArguments('missing required field: trigger_id');
  const redemption = redeem(triggerId);
  if (!redemption.ok) throw new SlackApiError(redemption.error);
  return redemption.user;
}

export const viewsMethods: MethodTable = {
  'views.open': {
    tier: 4,
    token: 'bot',
    scopes: [],
    handler(ctx, args) {
      const view = viewArgument(args, { expectHome: false });
      assertExternalIdFree(view, (id) => ctx.views.externalIdTaken(id));
      const user = redeemTrigger(args, (id) => ctx.triggers.redeem(id));
      return { view: ctx.views.open(user, view).json };
    },
  },
  'views.push': {
    tier: 4,
    token: 'bot',
    scopes: [],
    handler(ctx, args) {
      const view = viewArgument(args, { expectHome: false });
      assertExternalIdFree(view, (id) => ctx.views.externalIdTaken(id));
      const user = redeemTrigger(args, (id) => ctx.triggers.redeem(id));
      const pushed =
        ctx.views.stack(user).length === 0 ? ctx.views.open(user, view) : ctx.views.push(user, view);
      if (!pushed) throw new SlackApiError('push_limit_reached');
      return { view: pushed.json };
    },
  },
  'views.update': {
    tier: 4,
    token: 'bot',
    scopes: [],
    handler(ctx, args) {
      const viewId = args.string('view_id');
      const externalId = args.string('external_id');
      if (viewId === undefined && externalId === undefined) {
        throw SlackApiError.invalidArguments('missing required field: view_id or external_id');
      }
      const current = viewId !== undefined ? ctx.views.get(viewId) : ctx.views.byExternalId(externalId ?? '');
      if (!current?.open) throw new SlackApiError('not_found');
      const view = viewArgument(args, { expectHome: current.type === 'home' });
      assertExternalIdFree(view, (id) => ctx.views.externalIdTaken(id), current);
      const hash = args.string('hash');
      if (hash !== undefined && hash !== current.hash) throw new SlackApiError('hash_conflict');
      return { view: ctx.views.replace(current.id, view).json };
    },
  },
  'views.publish': {
    tier: 4,
    token: 'bot',
    scopes: [],
    handler(ctx, args) {
      const userId = args.string('user_id');
      if (userId === undefined) throw SlackApiError.invalidArguments('missing required field: user_id');
      const user = ctx.directory.user(userId);
      if (!user || user.isBot) throw SlackApiError.invalidArguments('invalid `user_id`');
      const view = viewArgument(args, { expectHome: true });
      const current = ctx.views.home(userId);
      const hash = args.string('hash');
      if (hash !== undefined && current && hash !== current.hash) throw new SlackApiError('hash_conflict');
      return { view: ctx.views.publish(userId, view).json };
    },
  },
};
