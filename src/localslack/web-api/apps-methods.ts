import type { MethodTable } from './method-spec.js';

export const appsMethods: MethodTable = {
  'apps.connections.open': {
    tier: 1,
    token: 'app',
    scopes: [],
    handler(ctx) {
      return { url: ctx.openSocketUrl() };
    },
  },
};
