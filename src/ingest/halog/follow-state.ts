import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * Where the follower is in the log, kept across restarts: the file's identity (inode and a
 * fingerprint of its first line, since inodes are reused after a rotation) and the byte
 * offset of the first line not yet delivered.
 */
export const followStateSchema = z.object({
  version: z.literal(1),
  file: z.string(),
  inode: z.number().int().nonnegative(),
  /** sha256 of the file's first line (up to 256 bytes), hex, 16 chars; '' while the file is empty. */
  fingerprint: z.string(),
  offset: z.number().int().nonnegative(),
  savedAt: z.string(),
});
export type FollowState = z.infer<typeof followStateSchema>;

export async function loadFollowState(path: string): Promise<FollowState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = followStateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `${path} is not a follow-halog state file (${parsed.error.issues[0]?.message}); remove it to start afresh`,
    );
  }
  return parsed.data;
}

/** Written to a temporary file and renamed, so a crash never leaves half a state. */
export async function saveFollowState(
  path: string,
  state: Omit<FollowState, 'version' | 'savedAt'>,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const full: FollowState = { version: 1, ...state, savedAt: new Date().toISOString() };
  await writeFile(tmp, `${JSON.stringify(full)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}
