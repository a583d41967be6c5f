/** Where a click came from: the workspace and the channel of the message clicked. */
export interface ClickOrigin {
  team: string | null;
  channel: string | null;
}

export function clickedIn(body: { team?: { id?: string } | null; channel?: { id?: string } }): ClickOrigin {
  return { team: body.team?.id ?? null, channel: body.channel?.id ?? null };
}

/**
 * A decision counts only from the inventory's workspace and the channel the request was posted
 * in: a click carried over from another workspace of the app, or made on a copy elsewhere, is not
 * one the approvers of this channel saw. Change approvals and the guided build's Apply both ask.
 */
export function misplacedClick(team: string, channel: string, from: ClickOrigin): string | undefined {
  if (from.team !== team) {
    return `This click came from workspace ${from.team ?? '(none)'}, not ${team}; nothing was changed.`;
  }
  if (from.channel !== channel) {
    return `This request can only be decided in <#${channel}>, where it was posted; nothing was changed.`;
  }
  return undefined;
}
