import { createHash, createHmac } from 'node:crypto';
import type { IncidentStore } from '../../store/incident-store.js';
import type { NotificationStore } from '../../store/notification-store.js';
import { NotifyRefusedError } from '../errors/notify-refused-error.js';
import { NotifyUnavailableError } from '../errors/notify-unavailable-error.js';
import type { WebhookJob } from '../notify-jobs.js';

export interface WebhookNotifierOptions {
  incidents: IncidentStore;
  store: NotificationStore;
  /** Signs each body (`X-Lvs-Chatops-Signature: sha256=HEX`, HMAC of the raw body) when set. */
  secret?: string;
  timeoutMs?: number;
  now?: () => number;
}

/** The body every webhook gets: the incident as the incident store holds it. */
export interface WebhookBody {
  type: 'lvs-chatops.incident';
  version: 1;
  sentAt: string;
  incident: unknown;
}

/**
 * The generic webhook notifier: POSTs each incident change as JSON to a URL, for tools other
 * than Slack. At least once: a body carries `Idempotency-Key: INCIDENT-vVERSION` so the
 * receiver can drop a repeat; 5xx, 408, 429 and timeouts are retried with backoff by the job,
 * other 4xx are final. A version already delivered to the URL is not sent again.
 */
export class WebhookNotifier {
  constructor(private readonly opts: WebhookNotifierOptions) {}

  async deliver(job: WebhookJob): Promise<'gone' | 'up-to-date' | 'sent'> {
    const incident = await this.opts.incidents.get(job.cluster, job.incidentId);
    if (!incident) return 'gone';
    const slot = `webhook-${createHash('sha1').update(job.url).digest('hex').slice(0, 16)}`;
    const ref = await this.opts.store.ref(job.cluster, job.incidentId, slot);
    if (ref.delivered >= incident.version) return 'up-to-date';
    const body: WebhookBody = {
      type: 'lvs-chatops.incident',
      version: 1,
      sentAt: new Date((this.opts.now ?? Date.now)()).toISOString(),
      incident,
    };
    const raw = JSON.stringify(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'lvs-chatops',
      'idempotency-key': `${incident.id}-v${incident.version}`,
    };
    if (this.opts.secret) {
      headers['x-lvs-chatops-signature'] =
        `sha256=${createHmac('sha256', this.opts.secret).update(raw).digest('hex')}`;
    }
    let res: Response;
    try {
      res = await fetch(job.url, {
        method: 'POST',
        headers,
        body: raw,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
    } catch (error) {
      throw new NotifyUnavailableError(
        'webhook',
        `${redact(job.url)} did not answer: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      await this.opts.store.count(res.status === 429 ? 'ratelimited:webhook' : 'errors:webhook');
      throw new NotifyUnavailableError('webhook', `${redact(job.url)} answered HTTP ${res.status}`);
    }
    if (res.status >= 400) {
      throw new NotifyRefusedError(
        'webhook',
        `http_${res.status}`,
        `${redact(job.url)} refused the incident: HTTP ${res.status}`,
      );
    }
    await this.opts.store.setDelivered(job.cluster, job.incidentId, slot, incident.version);
    await this.opts.store.count('sent:webhook');
    return 'sent';
  }
}

/** A URL without its credentials or query, for messages and logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(a webhook URL)';
  }
}
