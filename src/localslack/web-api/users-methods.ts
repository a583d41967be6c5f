import type { MethodTable } from './method-spec.js';
import { paginate } from './paginate.js';
import { SlackApiError } from './slack-api-error.js';

export const usersMethods: MethodTable = {
  'users.info': {
    tier: 4,
    token: 'bot',
    scopes: ['users:read'],
    handler(ctx, args) {
      const id = args.required('user', 'user_not_found');
      const user = ctx.directory.user(id);
      if (!user) throw new SlackApiError('user_not_found');
      return { user: ctx.directory.userJson(user) };
    },
  },
  'users.list': {
    tier: 2,
    token: 'bot',
    scopes: ['users:read'],
    handler(ctx, args) {
      const users = ctx.directory.allUsers().sort((a, b) => a.id.localeCompare(b.id));
      const { page, nextCursor } = paginate(users, args, 200);
      return {
        members: page.map((u) => ctx.directory.userJson(u)),
        cache_ts: Math.floor(Date.now() / 1000),
        response_metadata: { next_cursor: nextCursor },
      };
    },
  },
  'usergroups.list': {
    tier: 2,
    token: 'bot',
    scopes: ['usergroups:read'],
    handler(ctx, args) {
      const includeDisabled = args.boolean('include_disabled');
      const includeUsers = args.boolean('include_users');
      const groups = ctx.directory
        .allUsergroups()
        .filter((g) => includeDisabled || !g.disabled)
        .map((g) => ({
          id: g.id,
          team_id: ctx.directory.team.id,
          is_usergroup: true,
          name: g.name,
          description: g.description,
          handle: g.handle,
          is_external: false,
          date_delete: g.disabled ? 1 : 0,
          auto_type: null,
          user_count: g.users.length,
          ...(includeUsers ? { users: [...g.users] } : {}),
        }));
      return { usergroups: groups };
    },
  },
  'usergroups.users.list': {
    tier: 2,
    token: 'bot',
    scopes: ['usergroups:read'],
    handler(ctx, args) {
      const id = args.required('usergroup');
      const group = ctx.directory.usergroup(id);
      if (!group) throw new SlackApiError('no_such_subteam');
      if (group.disabled && !args.boolean('include_disabled')) throw new SlackApiError('subteam_disabled');
      return { users: [...group.users] };
    },
  },
};
