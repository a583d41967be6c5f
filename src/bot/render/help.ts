import { USAGE } from '../../core/commands/index.js';
import type { Reply } from '../reply.js';

const EXAMPLES: Partial<Record<keyof typeof USAGE, string>> = {
  status: '/lvs status · /lvs status lab · /lvs status 10.0.0.100:80',
  drain: '/lvs drain web-2 --timeout 10m',
  weight: '/lvs weight web-3 2',
  subscribe: '/lvs subscribe #lvs-ops cluster=lab kind=failover',
  silence: '/lvs silence web-2:http 30m deploy',
  ack: '/lvs ack lab-12 on it',
};

const SECTIONS: [string, (keyof typeof USAGE)[]][] = [
  ['See', ['status', 'incidents', 'incident', 'jobs', 'job', 'subscriptions']],
  [
    'Change the cluster (approval per policy)',
    ['drain', 'undrain', 'remove', 'restore', 'weight', 'failback', 'remount', 'cancel'],
  ],
  ['Incidents', ['ack', 'silence', 'unsilence']],
  ['Channels', ['subscribe', 'unsubscribe']],
  ['Build', ['build']],
];

export function renderHelp(): Reply {
  const lines: string[] = [];
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: 'lvs-chatops: /lvs commands' } },
  ];
  for (const [title, names] of SECTIONS) {
    const body = names
      .map((n) => {
        const ex = EXAMPLES[n];
        return `\`${USAGE[n]}\`${ex ? `\n      e.g. ${ex}` : ''}`;
      })
      .join('\n');
    lines.push(title, body);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${title}*\n${body}` } });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: 'SERVER is an inventory name (web-2) or a real-server address.' }],
  });
  return { response_type: 'ephemeral', text: lines.join('\n'), blocks };
}
