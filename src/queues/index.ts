/**
 * Remediation jobs on BullMQ: queue names, job schemas, the producer (the one place jobs are
 * queued), and the Redis records the bot reads (audit records, progress, drained weights).
 */
export { AutoActionLog } from './auto-action-log.js';
export { DrainMemory, type KeptWeight } from './drain-memory.js';
export {
  type AuditRecord,
  type CheckRecord,
  type CommandRecord,
  EXCERPT_CHARS,
  excerpt,
  FINAL_STATUSES,
  JOB_STATUSES,
  JobAudit,
  type JobStatus,
  type PlanRecord,
  type StepRecord,
} from './job-audit.js';
export { JobError, type JobErrorCode } from './job-error.js';
export { JobKeys } from './job-keys.js';
export {
  type AutoOutcome,
  type CancelOutcome,
  JobProducer,
  type JobProducerOptions,
  type JobView,
  type QueuedJob,
} from './job-producer.js';
export { type JobProgress, jobProgressSchema } from './job-progress.js';
export {
  type Approval,
  type ApprovalInput,
  approvalSchema,
  DRAIN_DEFAULTS,
  FAILBACK_DEFAULTS,
  JOB_ID,
  type JobData,
  type JobKind,
  type JobRequest,
  jobDataSchema,
  jobRequestSchema,
  type PlaybookRequest,
  parseJobId,
  playbookRequestSchema,
  type Requester,
  requesterSchema,
} from './job-schemas.js';
export { JobWatcher, type JobWatcherOptions } from './job-watcher.js';
export { bullPrefix, changesQueueName, TASKS_QUEUE } from './queue-names.js';
export { resolveRequest } from './resolve-request.js';
