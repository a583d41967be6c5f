import type { Command } from '../../core/commands/index.js';
import type { AuditRecord } from '../../queues/job-audit.js';
import { JobError } from '../../queues/job-error.js';
import type { JobProducer } from '../../queues/job-producer.js';
import { authorize, operatorsOf } from '../access.js';
import { ephemeral, problem } from '../reply.js';
import type { CommandHandler, Outcome } from './handle-command.js';

function when(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function line(r: AuditRecord): string {
  const by = r.requestedBy.via === 'auto' ? 'auto (policy)' : `<@${r.requestedBy.user}>`;
  return `• *${r.id}* ${r.kind === 'plan' ? 'dry run of ' : ''}${r.plan?.title ?? r.playbook} — ${r.status} · ${by} · ${when(r.queuedAt)}`;
}

/** The audit trail of one job: who asked, who approved, every step with its commands and output. */
export function renderAudit(r: AuditRecord): string {
  const out = [
    `*Job ${r.id}*: ${r.plan?.title ?? r.playbook} on cluster ${r.cluster} — *${r.status}*`,
    r.summary ? r.summary : '',
    `Asked by ${r.requestedBy.via === 'auto' ? `the automatic policy (event ${r.requestedBy.eventId ?? '?'})` : `<@${r.requestedBy.user}> via ${r.requestedBy.via}`} at ${when(r.queuedAt)}`,
    r.approval
      ? `Approved by <@${r.approval.by}> at ${when(r.approval.at)}${r.approval.override ? ' (overriding the capacity floor)' : ''}`
      : 'No approval (not required)',
    r.plan?.activeDirector ? `Active director: ${r.plan.activeDirector}` : '',
    r.recheck ? `Re-check before running: ${r.recheck.summary}` : '',
    r.cancel ? `Cancelled by <@${r.cancel.by}> at ${when(r.cancel.at)}` : '',
  ].filter(Boolean);
  for (const s of r.steps) {
    out.push(`*${s.title}*: ${s.state}${s.note ? ` — ${s.note}` : ''}`);
    for (const c of s.commands) {
      out.push(
        `  \`${c.argv.join(' ')}\` on ${c.host}: exit ${c.exitCode ?? c.signal ?? '?'}, ${c.durationMs} ms (${c.outcome})`,
      );
      const text = (c.stdout || c.stderr).trim();
      if (text) out.push(`\`\`\`${text.slice(0, 300)}\`\`\``);
    }
  }
  if (r.log.length) out.push('*Log*', ...r.log.slice(-15).map((l) => `  ${when(l.at)} ${l.text}`));
  return out.join('\n').slice(0, 3900);
}

/** `/lvs jobs [--all]`, `/lvs job ID`, `/lvs cancel ID`. */
export function jobsHandler(jobs: JobProducer): CommandHandler {
  return async (services, inv, command: Command): Promise<Outcome> => {
    switch (command.name) {
      case 'jobs': {
        const recent = await jobs.recent(command.all ? 50 : 20);
        const shown = command.all ? recent : recent.filter((r) => r.kind === 'run');
        return {
          ack: ephemeral(
            shown.length
              ? ['*Jobs*, newest first', ...shown.map(line)].join('\n').slice(0, 3900)
              : 'No jobs yet.',
          ),
        };
      }
      case 'job': {
        const view = await jobs.get(command.id);
        if (!view) return { ack: problem(`there is no job ${command.id}; /lvs jobs lists them`) };
        return { ack: ephemeral(renderAudit(view.audit)) };
      }
      case 'cancel': {
        // The job's own cluster decides (handleCommand checked it too, when it could find the job).
        const view = await jobs.get(command.id);
        const cluster = view && services.inventory.clusters.find((c) => c.name === view.audit.cluster);
        if (cluster) {
          const decision = await authorize(services.members, inv.user, 'change', `cancel ${view.audit.id}`, [
            cluster,
          ]);
          if (!decision.allowed) {
            return {
              ack: problem(
                `${view.audit.id} is a job of cluster ${cluster.name}, and you are not one of its operators (${operatorsOf(cluster)}); nothing was changed.`,
              ),
            };
          }
        }
        try {
          const outcome = await jobs.cancel(command.id, inv.user);
          return { ack: outcome.accepted ? ephemeral(outcome.message) : problem(outcome.message) };
        } catch (err) {
          if (err instanceof JobError) return { ack: problem(err.message) };
          throw err;
        }
      }
      default:
        throw new Error(`jobs handler called for ${command.name}`);
    }
  };
}
