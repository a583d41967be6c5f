import type { Inventory } from '../../config/inventory.js';
import { formatDuration, type Incident } from '../../core/incidents/index.js';

/** A line of the dashboard about a job (filled by the job system when it is wired in). */
export interface HomeJobLine {
  id: string;
  text: string;
}

export interface HomeData {
  inventory: Inventory;
  openIncidents: Map<string, Incident[]>;
  /** Running and recent jobs per cluster. */
  jobs?: Map<string, HomeJobLine[]>;
  /** Which director holds the VIPs, per cluster, when known (from the last status read). */
  active?: Map<string, string>;
  now?: number;
}

/** The App Home tab: one dashboard section per cluster. */
export function renderAppHome(data: HomeData): { type: 'home'; blocks: Record<string, unknown>[] } {
  const now = data.now ?? Date.now();
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: 'LVS clusters' } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Updated <!date^${Math.floor(now / 1000)}^{time_secs}|now>. \`/lvs status\` reads the live tables.`,
        },
      ],
    },
  ];
  for (const cluster of data.inventory.clusters) {
    const active = data.active?.get(cluster.name);
    const directors = cluster.directors
      .map((d) => `${d.name}${d.preferred ? ' (preferred)' : ''}${active === d.name ? ' — *active*' : ''}`)
      .join(', ');
    const services = cluster.virtualServices
      .map((vs) => {
        const members = cluster.realServers.filter((rs) => rs.services.some((s) => s.service === vs.name));
        return `• *${vs.name}* ${vs.protocol} ${vs.vip}:${vs.port} ${vs.scheduler}, ${members.length} real server(s): ${members.map((m) => m.name).join(', ')}`;
      })
      .join('\n');
    const incidents = data.openIncidents.get(cluster.name) ?? [];
    const incidentText = incidents.length
      ? incidents
          .slice(0, 10)
          .map((i) => `• *${i.id}* ${i.title} — open for ${formatDuration(now - i.openedAt)}`)
          .join('\n')
      : 'No open incidents.';
    const jobs = data.jobs?.get(cluster.name) ?? [];
    blocks.push(
      { type: 'divider' },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*Cluster ${cluster.name}*${cluster.description ? `\n${cluster.description}` : ''}`,
        },
      },
      { type: 'section', text: { type: 'mrkdwn', text: `*Directors*: ${directors}` } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Virtual services*\n${services || '(none)'}` } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Open incidents*\n${incidentText}`.slice(0, 3000) } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*Jobs*\n${jobs.length ? jobs.map((j) => `• ${j.id}: ${j.text}`).join('\n') : 'No running or recent jobs.'}`.slice(
            0,
            3000,
          ),
        },
      },
    );
  }
  return { type: 'home', blocks: blocks.slice(0, 100) };
}
