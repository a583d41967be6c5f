/**
 * The local Slack: a server that speaks Slack's Web API, request signing, slash commands,
 * interactivity, response_urls, the Events API and Socket Mode, so that an unmodified Bolt
 * app cannot tell it from Slack. Tests and the demo share it.
 */

export type { UserInput } from './block-kit-interactions.js';
export { formatIssue, validateBlocks, validateView } from './block-kit-validator.js';
export type { AppTarget } from './delivery/app-dispatcher.js';
export type { RequestHandler } from './http-server.js';
export {
  type ClickTarget,
  type CommandResult,
  type EventResult,
  type InteractionResult,
  LocalSlack,
  type ViewSubmissionResult,
} from './local-slack.js';
export { LocalSlackError, type LocalSlackErrorCode } from './local-slack-error.js';
export { DEFAULT_TIMING, type Limits, type LocalSlackOptions, type Timing } from './local-slack-options.js';
export { defaultSeedInput, loadSeed, type Seed, type SeedInput } from './seed.js';
export { signRequest } from './sign-request.js';
export { startLocalSlack } from './start-local-slack.js';
export type * from './types.js';
export { CONSOLE_API, type ConsoleOptions, type MountedConsole, mountConsole } from './web/console.js';
export type { ControlAction, ControlHost, ControlPanel, ControlStatus } from './web/control-panel.js';
