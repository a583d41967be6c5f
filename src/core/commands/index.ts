export type { Command, SubscriptionFilter } from './command.js';
export { type CommandError, parseCommand, USAGE } from './parse-command.js';
export { tokenize } from './tokenize.js';
