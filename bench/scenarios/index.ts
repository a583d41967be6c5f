import type { BenchScenario } from '../figure.js';
import { ingestScenario } from './ingest.js';
import { ipvsParse } from './ipvs-parse.js';
import { labScenario } from './lab.js';
import { memoryScenario } from './memory.js';
import { remediationScenario } from './remediation.js';
import { slackAckScenario } from './slack-ack.js';
import { slackStatusScenario } from './slack-status.js';
import { soakScenario } from './soak.js';
import { sshPool } from './ssh-pool.js';
import { stormScenario } from './storm.js';

/** Every scenario of `npm run bench`, in the order they run. Each lives in its own file here. */
export const scenarios: BenchScenario[] = [
  sshPool,
  ipvsParse,
  stormScenario,
  ingestScenario,
  memoryScenario,
  slackAckScenario,
  slackStatusScenario,
  labScenario,
  remediationScenario,
  // Opt-in (--soak or --only soak): 10 minutes, never in the default run.
  soakScenario,
];
