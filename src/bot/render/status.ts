import type { Incident } from '../../core/incidents/index.js';
import type { RealServerStatus, ServiceStatus, StatusReport } from '../../status/status-report.js';
import type { Reply } from '../reply.js';

const BAR_WIDTH = 24;
/** Services with more real servers than this are summarized: counts, the busiest and the unwell. */
const LIST_LIMIT = 30;

type Row = RealServerStatus & { shownState: string };

function stateOf(rs: RealServerStatus, incidents: readonly Incident[]): string {
  const incident = incidents.find(
    (i) =>
      i.state === 'open' &&
      (i.target?.realServer === rs.address || i.group === rs.name || i.host === rs.address),
  );
  if (incident) return `down (${incident.id})`;
  if (rs.state === 'up' && rs.weight !== rs.expectedWeight)
    return `up, weight ${rs.weight}≠${rs.expectedWeight}`;
  return rs.state;
}

function n(v: number | null): string {
  return v === null ? '-' : String(v);
}

function table(rows: Row[]): string {
  const header = ['real server', 'address', 'weight', 'active', 'inact', 'state'];
  const cells = rows.map((r) => [
    r.name,
    `${r.address}:${r.port}`,
    n(r.weight),
    n(r.activeConns),
    n(r.inactiveConns),
    r.shownState,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}

/** The connection spread over the real servers, as bars: what people would rather look at. */
function spread(rows: Row[]): string {
  const max = Math.max(1, ...rows.map((r) => r.activeConns ?? 0));
  const width = Math.max(...rows.map((r) => r.name.length));
  return rows
    .map((r) => {
      const c = r.activeConns ?? 0;
      const len = c === 0 ? 0 : Math.max(1, Math.round((c / max) * BAR_WIDTH));
      return `${r.name.padEnd(width)} ${'█'.repeat(len)}${len === 0 ? '·' : ''} ${r.activeConns === null ? '-' : c}`;
    })
    .join('\n');
}

function serviceBlocks(svc: ServiceStatus, incidents: readonly Incident[]): Record<string, unknown>[] {
  const rows: Row[] = svc.realServers.map((rs) => ({ ...rs, shownState: stateOf(rs, incidents) }));
  const counts = ['up', 'drained', 'removed']
    .map((s) => `${rows.filter((r) => r.state === s).length} ${s}`)
    .join(', ');
  const head = `*${svc.name}* ${svc.label} ${svc.scheduler}${svc.inTable ? '' : " — *not in the active director's table*"}\n${rows.length} real server(s): ${counts}`;
  let shown = rows;
  let note = '';
  if (rows.length > LIST_LIMIT) {
    const unwell = rows.filter((r) => r.shownState !== 'up');
    const busiest = rows
      .filter((r) => r.shownState === 'up')
      .sort((a, b) => (b.activeConns ?? 0) - (a.activeConns ?? 0))
      .slice(0, Math.max(5, LIST_LIMIT - unwell.length));
    shown = [...busiest, ...unwell.slice(0, LIST_LIMIT)];
    note = `\n_${rows.length - shown.length} more real servers up and not shown; the busiest and every one not up are listed._`;
  }
  const totalActive = rows.reduce((s, r) => s + (r.activeConns ?? 0), 0);
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: head.slice(0, 3000) } },
    { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${table(shown)}\`\`\`${note}`.slice(0, 3000) } },
  ];
  if (totalActive > 0 || rows.length <= LIST_LIMIT) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `Active connections (${totalActive} in all)\n\`\`\`${spread(shown)}\`\`\``.slice(0, 3000),
      },
    });
  }
  if (svc.unknown.length > 0) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `In the table but not in the inventory: ${svc.unknown.slice(0, 20).join(', ')}`,
        },
      ],
    });
  }
  return blocks;
}

/** `/lvs status` for one cluster: who is active, each virtual service's real servers, drift. */
export function renderStatus(report: StatusReport, incidents: readonly Incident[]): Reply {
  const active = report.active.ok
    ? `active director *${report.active.name}* (${report.active.evidence})`
    : `:warning: no active director: ${report.active.message}`;
  const directorLines = report.directors.map((d) => {
    const role = report.active.ok && report.active.name === d.name ? 'active' : 'standby';
    const pref = d.preferred ? ', preferred' : '';
    if (d.error) return `• ${d.name}${pref}: :x: ${d.error}`;
    const hb = d.resources ? `, heartbeat resources ${d.resources}` : '';
    return `• ${d.name} (${role}${pref}): ${d.holdsVips.length ? `holds ${d.holdsVips.join(', ')}` : 'holds no VIP'}${hb}`;
  });
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: `Cluster ${report.cluster}`.slice(0, 150) } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `${active}\n${directorLines.join('\n')}`.slice(0, 3000) },
    },
  ];
  for (const svc of report.services) {
    if (blocks.length > 44) break;
    blocks.push({ type: 'divider' }, ...serviceBlocks(svc, incidents));
  }
  const drift = report.drift.map((d) =>
    d.kind === 'in-sync' ? `:white_check_mark: ${d.summary}` : `:warning: ${d.summary}`,
  );
  const silenced = incidents.filter((i) => i.state === 'open').length;
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: [
          ...drift,
          `read live at <!date^${Math.floor(report.readAt / 1000)}^{time_secs}|${new Date(report.readAt).toISOString()}> in ${(report.durationMs / 1000).toFixed(1)} s`,
          silenced > 0 ? `${silenced} open incident(s): /lvs incidents` : 'no open incidents',
        ]
          .join(' · ')
          .slice(0, 3000),
      },
    ],
  });
  const upCount = report.services.flatMap((s) => s.realServers).filter((r) => r.state === 'up').length;
  const all = report.services.flatMap((s) => s.realServers).length;
  const text = `Cluster ${report.cluster}: ${report.active.ok ? `${report.active.name} active` : 'no active director'}, ${upCount}/${all} real servers up`;
  return { response_type: 'in_channel', text, blocks: blocks.slice(0, 50) };
}
