import type { MethodTable } from './method-spec.js';

export const authMethods: MethodTable = {
  'auth.test': {
    tier: 'special',
    token: 'bot',
    scopes: [],
    handler(ctx) {
      const { team, app } = ctx.directory;
      return {
        url: ctx.baseUrl,
        team: team.name,
        user: app.botName,
        team_id: team.id,
        user_id: app.botUserId,
        bot_id: app.botId,
        is_enterprise_install: false,
      };
    },
  },
};
