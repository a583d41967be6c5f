/** The demo's "try this" list: printed at start and shown on the console page. */
export function tryThis(opts: { lab: boolean; labStateDir?: string; defaultLab: boolean }): string[] {
  const state = opts.defaultLab || !opts.labStateDir ? '' : ` --state ${opts.labStateDir}`;
  if (!opts.lab) {
    return [
      '/lvs help — every command, with examples',
      '/lvs subscriptions — where alerts go',
      '(started with --no-lab: no cluster to act on; run `lvs-chatops demo` for the whole thing)',
    ];
  }
  return [
    "/lvs status — the lab's IPVS table, as the directors report it",
    `stop web-2's HTTP: "Stop HTTP" in the Lab panel, or \`lvs-chatops lab break web-2${state}\`, and watch the incident appear in #lvs-ops`,
    'approve its removal as Arun Approver (switch "You are"), and follow the progress in the thread',
    '/lvs drain web-3 — drain a real server (it waits for an approval too)',
    `stop heartbeat on lb1: "Stop heartbeat" in the Lab panel, or \`lvs-chatops lab break lb1${state}\`, and watch the failover incident in #lvs-ops; "Start heartbeat" gives the VIP back to lb1 (the failback, in the same incident)`,
    '/lvs build — the guided build of a cluster',
  ];
}
