import { z } from 'zod';

/** The build message's interactive elements (docs/interfaces.md, "Slack interactive elements": action_ids start with `lvs_`). */
export const BUILD_ACTIONS = {
  back: 'lvs_build_back',
  check: 'lvs_build_check',
  apply: 'lvs_build_apply',
  skip: 'lvs_build_skip',
  next: 'lvs_build_next',
  stop: 'lvs_build_stop',
  goto: 'lvs_build_goto',
  approve: 'lvs_build_apply_approve',
  reject: 'lvs_build_apply_reject',
} as const;

/** The modal that asks why a step is skipped. */
export const SKIP_VIEW = 'lvs_build_skip_reason';
export const SKIP_INPUT = { block: 'reason', action: 'lvs_build_skip_reason_text' } as const;

/** What a step button carries: the cluster and the step it was drawn for. */
export const stepValueSchema = z.object({ c: z.string().min(1).max(63), s: z.string().min(1).max(63) });
export type StepValue = z.infer<typeof stepValueSchema>;

/** What an approval button carries: the cluster and the Apply request. */
export const applyValueSchema = z.object({ c: z.string().min(1).max(63), a: z.string().regex(/^a\d{1,9}$/) });
export type ApplyValue = z.infer<typeof applyValueSchema>;

/** The skip modal's private_metadata: the step, and the build message to update. */
export const skipMetadataSchema = stepValueSchema.extend({ ch: z.string().max(40), ts: z.string().max(40) });
export type SkipMetadata = z.infer<typeof skipMetadataSchema>;

export function parseValue<T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined {
  if (raw === undefined) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
