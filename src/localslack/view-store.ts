import type { Directory } from './directory.js';
import type { IdFactory } from './id-factory.js';
import type { Block, LocalSlackEvent, LocalView } from './types.js';

type Json = Record<string, unknown>;

/** Slack keeps at most three views on a modal stack. */
export const MAX_MODAL_STACK = 3;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Modals (a stack per user) and App Home tabs (one per user). */
export class ViewStore {
  private readonly views = new Map<string, LocalView>();
  private readonly stacks = new Map<string, string[]>();
  private readonly homes = new Map<string, string>();

  constructor(
    private readonly ids: IdFactory,
    private readonly directory: Directory,
    private readonly emit: (event: LocalSlackEvent) => void,
  ) {}

  private build(
    user: string,
    input: Json,
    previous?: LocalView,
    rootViewId?: string,
    previousViewId?: string,
  ): LocalView {
    const id = previous?.id ?? this.ids.viewId();
    const blocks = (Array.isArray(input.blocks) ? input.blocks : []).map((block: Block) =>
      typeof block.block_id === 'string'
        ? structuredClone(block)
        : { ...structuredClone(block), block_id: this.ids.blockId() },
    );
    const type = input.type === 'home' ? 'home' : 'modal';
    const view: LocalView = {
      id,
      type,
      user,
      callbackId: text(input.callback_id),
      externalId: text(input.external_id),
      privateMetadata: text(input.private_metadata),
      hash: this.ids.viewHash(),
      blocks,
      state: previous?.state ?? { values: {} },
      rootViewId: previous?.rootViewId ?? rootViewId ?? id,
      previousViewId: previous?.previousViewId ?? previousViewId ?? null,
      notifyOnClose: input.notify_on_close === true,
      clearOnClose: input.clear_on_close === true,
      open: true,
      json: {},
      ...(input.title !== undefined ? { title: structuredClone(input.title) } : {}),
      ...(input.submit !== undefined ? { submit: structuredClone(input.submit) } : {}),
      ...(input.close !== undefined ? { close: structuredClone(input.close) } : {}),
    };
    view.json = this.toJson(view);
    return view;
  }

  private toJson(view: LocalView): Json {
    return {
      id: view.id,
      team_id: this.directory.team.id,
      type: view.type,
      blocks: structuredClone(view.blocks),
      private_metadata: view.privateMetadata,
      callback_id: view.callbackId,
      state: structuredClone(view.state),
      hash: view.hash,
      title: view.title ?? null,
      clear_on_close: view.clearOnClose,
      notify_on_close: view.notifyOnClose,
      close: view.close ?? null,
      submit: view.submit ?? null,
      previous_view_id: view.previousViewId,
      root_view_id: view.rootViewId,
      app_id: this.directory.app.id,
      external_id: view.externalId,
      app_installed_team_id: this.directory.team.id,
      bot_id: this.directory.app.botId,
    };
  }

  private save(view: LocalView): LocalView {
    view.json = this.toJson(view);
    this.views.set(view.id, view);
    return structuredClone(view);
  }

  get(id: string): LocalView | undefined {
    const view = this.views.get(id);
    return view ? structuredClone(view) : undefined;
  }

  byExternalId(externalId: string): LocalView | undefined {
    for (const view of this.views.values()) {
      if (view.externalId === externalId && view.open) return structuredClone(view);
    }
    return undefined;
  }

  externalIdTaken(externalId: string): boolean {
    return externalId !== '' && this.byExternalId(externalId) !== undefined;
  }

  /** Opens a modal as the root of a new stack (closing whatever the user had open). */
  open(user: string, input: Json): LocalView {
    for (const id of this.stacks.get(user) ?? []) this.markClosed(id);
    const view = this.build(user, input);
    this.stacks.set(user, [view.id]);
    const saved = this.save(view);
    this.emit({ type: 'view_opened', view: saved });
    return saved;
  }

  /** Pushes a modal on the user's stack; undefined when the stack is full. */
  push(user: string, input: Json): LocalView | undefined {
    const stack = this.stacks.get(user) ?? [];
    if (stack.length >= MAX_MODAL_STACK) return undefined;
    const top = stack[stack.length - 1];
    const root = stack[0];
    const view = this.build(user, input, undefined, root, top);
    stack.push(view.id);
    this.stacks.set(user, stack);
    const saved = this.save(view);
    this.emit({ type: 'view_opened', view: saved });
    return saved;
  }

  /** Replaces a view's content in place (same id, new hash). */
  replace(id: string, input: Json): LocalView {
    const current = this.views.get(id);
    if (!current) throw new Error(`no view ${id}`);
    const view = this.build(current.user, { ...input, type: current.type }, current);
    view.state = { values: {} };
    const saved = this.save(view);
    this.emit({ type: 'view_updated', view: saved });
    return saved;
  }

  /** Publishes (creates or replaces) a user's App Home. */
  publish(user: string, input: Json): LocalView {
    const currentId = this.homes.get(user);
    const current = currentId ? this.views.get(currentId) : undefined;
    const view = this.build(user, { ...input, type: 'home' }, current);
    this.homes.set(user, view.id);
    const saved = this.save(view);
    this.emit({ type: current ? 'view_updated' : 'view_opened', view: saved });
    return saved;
  }

  home(user: string): LocalView | undefined {
    const id = this.homes.get(user);
    return id ? this.get(id) : undefined;
  }

  /** The user's open modals, root first. */
  stack(user: string): LocalView[] {
    return (this.stacks.get(user) ?? [])
      .map((id) => this.get(id))
      .filter((v): v is LocalView => v !== undefined);
  }

  setState(id: string, values: Record<string, Record<string, unknown>>): LocalView {
    const view = this.views.get(id);
    if (!view) throw new Error(`no view ${id}`);
    view.state = { values: structuredClone(values) };
    return this.save(view);
  }

  /** Closes the top modal (and, with `all`, the whole stack). */
  close(user: string, opts: { all?: boolean } = {}): LocalView[] {
    const stack = this.stacks.get(user) ?? [];
    const closing = opts.all ? stack.splice(0) : stack.splice(-1);
    const closed = closing.map((id) => this.markClosed(id)).filter((v): v is LocalView => v !== undefined);
    return closed;
  }

  private markClosed(id: string): LocalView | undefined {
    const view = this.views.get(id);
    if (!view?.open) return undefined;
    view.open = false;
    const saved = this.save(view);
    this.emit({ type: 'view_closed', view: saved });
    return saved;
  }
}
