import {
  filesetMountedChecks,
  heartbeatCheck,
  ipvsTableCheck,
  monWatchCheck,
  rsVipOnLoCheck,
  vipOnDirectorCheck,
} from '../checks.js';
import type { StepContext } from '../step-context.js';
import type { BuildStep, StepCheck } from '../step-model.js';

/** The end: every check of the build at once. */
export function workingOrderStep(ctx: StepContext): BuildStep {
  const { cluster } = ctx;
  const checks: StepCheck[] = [
    vipOnDirectorCheck(cluster),
    ipvsTableCheck(cluster),
    ...(cluster.realServers.length > 0 ? [rsVipOnLoCheck(cluster)] : []),
    ...[monWatchCheck(cluster), heartbeatCheck(cluster)].filter((c): c is StepCheck => c !== undefined),
    ...filesetMountedChecks(cluster),
  ];
  return {
    id: 'working-order',
    section: 'end',
    title: 'The cluster in working order',
    what: 'Every check of the build together: the VIP on one director, the table with every real server, the real servers’ VIP and ARP settings, mon watching every service, heartbeat on both directors, the filesets mounted.',
    why: 'The build is done when all of these pass. Try it from a client: curl the VIP; stop a real server’s web server and see the alert in Slack; stop heartbeat on the master and see the slave take over.',
    commands: [],
    files: [],
    checks,
  };
}
