/** What the bot answers a command with: the ack body, or a response_url message. */
export interface Reply {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
  blocks?: Record<string, unknown>[];
  replace_original?: boolean;
}

export function ephemeral(text: string, blocks?: Record<string, unknown>[]): Reply {
  return { response_type: 'ephemeral', text, ...(blocks && { blocks }) };
}

/** An error the user can act on: what went wrong, and what to do. */
export function problem(text: string): Reply {
  return ephemeral(`:warning: ${text}`);
}
