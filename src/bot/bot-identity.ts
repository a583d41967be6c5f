import { WebAPIPlatformError, WebClient, type WebClientOptions } from '@slack/web-api';
import type { Logger } from '../log/logger.js';

/** Who the bot is in its workspace, as Slack's auth.test says. */
export interface BotIdentityInfo {
  botId: string;
  botUserId: string;
  teamId?: string;
}

/** Answers that say the token itself is refused: waiting will not help, the operator must act. */
const TOKEN_REFUSED = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
]);

export interface BotIdentityOptions {
  token: string;
  slackApiUrl: string;
  logger: Logger;
  /** Options of the client that asks (Bolt's logger, so its lines are redacted like ours). */
  clientOptions?: WebClientOptions;
  /** First wait after a failed auth.test; doubled after each failure up to `maxDelayMs`. Default 1 s. */
  firstDelayMs?: number;
  /** Default 60 s. */
  maxDelayMs?: number;
  /** How long one auth.test may take. Default 10 s. */
  timeoutMs?: number;
}

/**
 * The bot's identity, asked of Slack once when the bot starts, and again after a failure
 * (Slack down, a timeout) until Slack answers. Bolt asks auth.test on every incoming request
 * when it has only a token and no bot ids; with the Web API down, no slash command could be
 * acknowledged within Slack's 3 seconds. Here nothing per request waits on the Web API: a
 * request before Slack answered goes on without the bot's ids (our listeners do not need them).
 */
export class BotIdentity {
  private info: BotIdentityInfo | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly client: WebClient;

  constructor(private readonly opts: BotIdentityOptions) {
    // Our own retries, with our own waits: the client's (ten, over half an hour) would hide each failure.
    this.client = new WebClient(opts.token, {
      ...opts.clientOptions,
      slackApiUrl: opts.slackApiUrl,
      retryConfig: { retries: 0 },
      timeout: opts.timeoutMs ?? 10_000,
    });
  }

  /** What is known so far (nothing until Slack answered once). */
  known(): Partial<BotIdentityInfo> {
    return this.info ? { ...this.info } : {};
  }

  /** Asks Slack now; on failure, again later, until it answers or `stop` is called. Never rejects. */
  async resolve(): Promise<void> {
    await this.attempt(1);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async attempt(n: number): Promise<void> {
    if (this.stopped || this.info) return;
    const { logger } = this.opts;
    try {
      const res = await this.client.auth.test();
      if (!res.user_id || !res.bot_id) throw new Error('auth.test named no bot user or bot id');
      this.info = { botId: res.bot_id, botUserId: res.user_id, ...(res.team_id && { teamId: res.team_id }) };
      logger.info({ ...this.info, attempts: n }, 'bot identity from Slack (auth.test)');
      return;
    } catch (err) {
      const delay = Math.min(
        (this.opts.firstDelayMs ?? 1_000) * 2 ** Math.min(n - 1, 16),
        this.opts.maxDelayMs ?? 60_000,
      );
      const code = err instanceof WebAPIPlatformError ? err.data.error : undefined;
      if (code && TOKEN_REFUSED.has(code)) {
        logger.error(
          { error: code, retryInMs: delay },
          `Slack refuses SLACK_BOT_TOKEN (${code}): the bot cannot post or update messages until the token is replaced (lvs-chatops doctor checks it)`,
        );
      } else {
        logger.warn(
          { err: (err as Error).message, attempt: n, retryInMs: delay },
          `could not ask Slack who the bot is (auth.test at ${this.opts.slackApiUrl}); commands are still answered, trying again`,
        );
      }
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.attempt(n + 1), delay);
      this.timer.unref();
    }
  }
}
