/**
 * Checks Block Kit the way Slack does before accepting a message or a view, close enough to
 * refuse what Slack refuses: unknown block and element types, missing required fields, text
 * over its limit, too many blocks, elements, fields or options. Each problem is reported in
 * Slack's words with a JSON pointer, e.g. `must be less than 3001 characters
 * [json-pointer:/blocks/0/text/text]`. Limits are those documented in Slack's Block Kit
 * reference (docs.slack.dev/reference/block-kit).
 */

export type Surface = 'message' | 'modal' | 'home';

export interface BlockIssue {
  message: string;
  pointer: string;
}

/** `message [json-pointer:/path]`, the form Slack puts in `errors`. */
export function formatIssue(issue: BlockIssue): string {
  return `${issue.message} [json-pointer:${issue.pointer}]`;
}

type Json = Record<string, unknown>;

const MAX_BLOCKS: Record<Surface, number> = { message: 50, modal: 100, home: 100 };

const SELECTS = [
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
];
const PICKERS = ['datepicker', 'timepicker', 'datetimepicker'];
const CHOICES = ['checkboxes', 'radio_buttons'];
const TEXT_INPUTS = [
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'rich_text_input',
];

const ACTIONS_ELEMENTS = new Set([
  'button',
  'overflow',
  'workflow_button',
  'rich_text_input',
  ...SELECTS,
  ...PICKERS,
  ...CHOICES,
]);
const ACCESSORY_ELEMENTS = new Set([
  'button',
  'overflow',
  'image',
  'workflow_button',
  ...SELECTS,
  ...PICKERS,
  ...CHOICES,
]);
const INPUT_ELEMENTS = new Set([...TEXT_INPUTS, 'file_input', ...SELECTS, ...PICKERS, ...CHOICES]);
const CONTEXT_ACTIONS_ELEMENTS = new Set(['feedback_buttons', 'icon_button']);

const BLOCK_TYPES: Record<Surface, Set<string>> = {
  message: new Set([
    'section',
    'divider',
    'header',
    'image',
    'actions',
    'context',
    'input',
    'rich_text',
    'markdown',
    'video',
    'file',
    'table',
    'context_actions',
  ]),
  modal: new Set([
    'section',
    'divider',
    'header',
    'image',
    'actions',
    'context',
    'input',
    'rich_text',
    'video',
  ]),
  home: new Set([
    'section',
    'divider',
    'header',
    'image',
    'actions',
    'context',
    'input',
    'rich_text',
    'video',
  ]),
};

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Checker {
  readonly issues: BlockIssue[] = [];

  add(pointer: string, message: string): void {
    this.issues.push({ pointer, message });
  }

  /** A required or optional string field with a length limit. */
  string(obj: Json, key: string, at: string, opts: { max: number; required?: boolean; min?: number }): void {
    const value = obj[key];
    if (value === undefined || value === null) {
      if (opts.required) this.add(at, `missing required field: ${key}`);
      return;
    }
    if (typeof value !== 'string') {
      this.add(`${at}/${key}`, 'must be a string');
      return;
    }
    if (value.length > opts.max) this.add(`${at}/${key}`, `must be less than ${opts.max + 1} characters`);
    if (opts.min !== undefined && value.length < opts.min)
      this.add(`${at}/${key}`, `must be at least ${opts.min} characters`);
  }

  /** A text composition object (`plain_text` or `mrkdwn`). */
  text(value: unknown, at: string, opts: { max: number; plainOnly?: boolean }): void {
    if (!isObject(value)) {
      this.add(at, 'must provide an object');
      return;
    }
    if (value.type !== 'plain_text' && value.type !== 'mrkdwn') {
      this.add(
        `${at}/type`,
        value.type === undefined ? 'missing required field: type' : 'must be one of: plain_text, mrkdwn',
      );
      return;
    }
    if (opts.plainOnly && value.type !== 'plain_text') {
      this.add(`${at}/type`, 'must be plain_text');
      return;
    }
    if (typeof value.text !== 'string') {
      this.add(at, 'missing required field: text');
      return;
    }
    if (value.text.length === 0) this.add(`${at}/text`, 'must be more than 0 characters');
    if (value.text.length > opts.max) this.add(`${at}/text`, `must be less than ${opts.max + 1} characters`);
  }

  optionalText(obj: Json, key: string, at: string, opts: { max: number; plainOnly?: boolean }): void {
    if (obj[key] !== undefined) this.text(obj[key], `${at}/${key}`, opts);
  }

  array(
    obj: Json,
    key: string,
    at: string,
    opts: { min: number; max: number; required?: boolean },
  ): unknown[] | undefined {
    const value = obj[key];
    if (value === undefined) {
      if (opts.required) this.add(at, `missing required field: ${key}`);
      return undefined;
    }
    if (!Array.isArray(value)) {
      this.add(`${at}/${key}`, 'must provide an array');
      return undefined;
    }
    if (value.length < opts.min) this.add(`${at}/${key}`, `must provide at least ${opts.min} items`);
    if (value.length > opts.max) this.add(`${at}/${key}`, `no more than ${opts.max} items allowed`);
    return value;
  }

  option(value: unknown, at: string, mrkdwnAllowed: boolean): void {
    if (!isObject(value)) {
      this.add(at, 'must provide an object');
      return;
    }
    if (value.text === undefined) this.add(at, 'missing required field: text');
    else this.text(value.text, `${at}/text`, { max: 75, plainOnly: !mrkdwnAllowed });
    this.string(value, 'value', at, { max: 150, required: true });
    this.optionalText(value, 'description', at, { max: 75, plainOnly: !mrkdwnAllowed });
    this.string(value, 'url', at, { max: 3000 });
  }

  options(
    obj: Json,
    key: string,
    at: string,
    opts: { min: number; max: number; required?: boolean; mrkdwn?: boolean },
  ): void {
    const options = this.array(obj, key, at, opts);
    options?.forEach((o, i) => {
      this.option(o, `${at}/${key}/${i}`, opts.mrkdwn ?? false);
    });
  }

  confirm(obj: Json, at: string): void {
    const confirm = obj.confirm;
    if (confirm === undefined) return;
    const here = `${at}/confirm`;
    if (!isObject(confirm)) {
      this.add(here, 'must provide an object');
      return;
    }
    for (const [key, max] of [
      ['title', 100],
      ['text', 300],
      ['confirm', 30],
      ['deny', 30],
    ] as const) {
      if (confirm[key] === undefined) this.add(here, `missing required field: ${key}`);
      else this.text(confirm[key], `${here}/${key}`, { max, plainOnly: key !== 'text' });
    }
  }

  imageSource(obj: Json, at: string): void {
    if (obj.image_url === undefined && obj.slack_file === undefined)
      this.add(at, 'missing required field: image_url');
    this.string(obj, 'image_url', at, { max: 3000 });
    this.string(obj, 'alt_text', at, { max: 2000, required: true });
  }

  element(value: unknown, at: string, allowed: Set<string>, seenActionIds: Set<string>): void {
    if (!isObject(value)) {
      this.add(at, 'must provide an object');
      return;
    }
    const type = value.type;
    if (typeof type !== 'string') {
      this.add(at, 'missing required field: type');
      return;
    }
    if (!allowed.has(type)) {
      this.add(`${at}/type`, `unsupported type: ${type}`);
      return;
    }
    if (type !== 'image') {
      this.string(value, 'action_id', at, { max: 255 });
      if (typeof value.action_id === 'string') {
        if (seenActionIds.has(value.action_id))
          this.add(`${at}/action_id`, `duplicate action_id: ${value.action_id}`);
        seenActionIds.add(value.action_id);
      }
    }
    this.confirm(value, at);
    if (value.placeholder !== undefined)
      this.text(value.placeholder, `${at}/placeholder`, { max: 150, plainOnly: true });
    switch (type) {
      case 'button':
        if (value.text === undefined) this.add(at, 'missing required field: text');
        else this.text(value.text, `${at}/text`, { max: 75, plainOnly: true });
        this.string(value, 'value', at, { max: 2000 });
        this.string(value, 'url', at, { max: 3000 });
        this.string(value, 'accessibility_label', at, { max: 75 });
        if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger') {
          this.add(`${at}/style`, 'must be one of: primary, danger');
        }
        break;
      case 'workflow_button':
        if (value.text === undefined) this.add(at, 'missing required field: text');
        else this.text(value.text, `${at}/text`, { max: 75, plainOnly: true });
        if (value.workflow === undefined) this.add(at, 'missing required field: workflow');
        break;
      case 'overflow':
        this.options(value, 'options', at, { min: 1, max: 5, required: true });
        break;
      case 'checkboxes':
      case 'radio_buttons':
        this.options(value, 'options', at, { min: 1, max: 10, required: true, mrkdwn: true });
        break;
      case 'static_select':
      case 'multi_static_select':
        if (value.options === undefined && value.option_groups === undefined) {
          this.add(at, 'missing required field: options');
        }
        this.options(value, 'options', at, { min: 1, max: 100 });
        this.array(value, 'option_groups', at, { min: 1, max: 100 })?.forEach((group, i) => {
          const here = `${at}/option_groups/${i}`;
          if (!isObject(group)) {
            this.add(here, 'must provide an object');
            return;
          }
          if (group.label === undefined) this.add(here, 'missing required field: label');
          else this.text(group.label, `${here}/label`, { max: 75, plainOnly: true });
          this.options(group, 'options', here, { min: 1, max: 100, required: true });
        });
        break;
      case 'datepicker':
        if (value.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(value.initial_date))) {
          this.add(`${at}/initial_date`, 'must be a date in the format YYYY-MM-DD');
        }
        break;
      case 'timepicker':
        if (value.initial_time !== undefined && !/^\d{2}:\d{2}$/.test(String(value.initial_time))) {
          this.add(`${at}/initial_time`, 'must be a time in the format HH:mm');
        }
        break;
      case 'plain_text_input':
        this.string(value, 'initial_value', at, { max: 3000 });
        if (
          value.max_length !== undefined &&
          (typeof value.max_length !== 'number' || value.max_length > 3000)
        ) {
          this.add(`${at}/max_length`, 'must be a number no greater than 3000');
        }
        break;
      case 'number_input':
        if (typeof value.is_decimal_allowed !== 'boolean')
          this.add(at, 'missing required field: is_decimal_allowed');
        break;
      case 'image':
        this.imageSource(value, at);
        break;
      default:
        break;
    }
  }
}

function checkBlock(
  c: Checker,
  block: unknown,
  at: string,
  surface: Surface,
  seenBlockIds: Set<string>,
): void {
  if (!isObject(block)) {
    c.add(at, 'must provide an object');
    return;
  }
  const type = block.type;
  if (typeof type !== 'string') {
    c.add(at, 'missing required field: type');
    return;
  }
  if (!BLOCK_TYPES[surface].has(type)) {
    c.add(`${at}/type`, `unsupported type: ${type}`);
    return;
  }
  c.string(block, 'block_id', at, { max: 255 });
  if (typeof block.block_id === 'string') {
    if (seenBlockIds.has(block.block_id)) c.add(`${at}/block_id`, `duplicate block_id: ${block.block_id}`);
    seenBlockIds.add(block.block_id);
  }
  const actionIds = new Set<string>();
  switch (type) {
    case 'section': {
      if (block.text === undefined && block.fields === undefined)
        c.add(at, 'must define either `text` or `fields`');
      c.optionalText(block, 'text', at, { max: 3000 });
      c.array(block, 'fields', at, { min: 1, max: 10 })?.forEach((field, i) => {
        c.text(field, `${at}/fields/${i}`, { max: 2000 });
      });
      if (block.accessory !== undefined)
        c.element(block.accessory, `${at}/accessory`, ACCESSORY_ELEMENTS, actionIds);
      break;
    }
    case 'header':
      if (block.text === undefined) c.add(at, 'missing required field: text');
      else c.text(block.text, `${at}/text`, { max: 150, plainOnly: true });
      break;
    case 'image':
      c.imageSource(block, at);
      c.optionalText(block, 'title', at, { max: 2000, plainOnly: true });
      break;
    case 'actions':
      c.array(block, 'elements', at, { min: 1, max: 25, required: true })?.forEach((element, i) => {
        c.element(element, `${at}/elements/${i}`, ACTIONS_ELEMENTS, actionIds);
      });
      break;
    case 'context':
      c.array(block, 'elements', at, { min: 1, max: 10, required: true })?.forEach((element, i) => {
        const here = `${at}/elements/${i}`;
        if (isObject(element) && element.type === 'image') c.imageSource(element, here);
        else c.text(element, here, { max: 3000 });
      });
      break;
    case 'context_actions':
      c.array(block, 'elements', at, { min: 1, max: 5, required: true })?.forEach((element, i) => {
        c.element(element, `${at}/elements/${i}`, CONTEXT_ACTIONS_ELEMENTS, actionIds);
      });
      break;
    case 'input':
      if (block.label === undefined) c.add(at, 'missing required field: label');
      else c.text(block.label, `${at}/label`, { max: 2000, plainOnly: true });
      if (block.element === undefined) c.add(at, 'missing required field: element');
      else c.element(block.element, `${at}/element`, INPUT_ELEMENTS, actionIds);
      c.optionalText(block, 'hint', at, { max: 2000, plainOnly: true });
      break;
    case 'rich_text':
      c.array(block, 'elements', at, { min: 0, max: 1000, required: true })?.forEach((element, i) => {
        if (!isObject(element) || typeof element.type !== 'string')
          c.add(`${at}/elements/${i}`, 'missing required field: type');
      });
      break;
    case 'markdown':
      c.string(block, 'text', at, { max: 12000, required: true, min: 1 });
      break;
    case 'video':
      for (const key of ['video_url', 'thumbnail_url', 'alt_text'])
        c.string(block, key, at, { max: 3000, required: true });
      if (block.title === undefined) c.add(at, 'missing required field: title');
      else c.text(block.title, `${at}/title`, { max: 200, plainOnly: true });
      break;
    case 'file':
      c.string(block, 'external_id', at, { max: 255, required: true });
      c.string(block, 'source', at, { max: 255, required: true });
      break;
    case 'table': {
      const rows = c.array(block, 'rows', at, { min: 1, max: 100, required: true });
      rows?.forEach((row, i) => {
        if (!Array.isArray(row)) c.add(`${at}/rows/${i}`, 'must provide an array');
        else if (row.length > 20) c.add(`${at}/rows/${i}`, 'no more than 20 items allowed');
      });
      break;
    }
    default:
      break;
  }
}

/**
 * Every problem Slack would report for these blocks on this surface; empty when valid.
 * Never throws, whatever `blocks` is.
 */
export function validateBlocks(blocks: unknown, surface: Surface, pointer = '/blocks'): BlockIssue[] {
  const c = new Checker();
  if (!Array.isArray(blocks)) {
    c.add(pointer, 'must provide an array');
    return c.issues;
  }
  const max = MAX_BLOCKS[surface];
  if (blocks.length > max) {
    c.add(pointer, `no more than ${max} items allowed`);
    return c.issues;
  }
  const seenBlockIds = new Set<string>();
  blocks.forEach((block, i) => {
    checkBlock(c, block, `${pointer}/${i}`, surface, seenBlockIds);
  });
  return c.issues;
}

/**
 * The view-level checks of views.open/push/update/publish: type, title and button limits,
 * callback_id and private_metadata lengths, and the view's blocks.
 */
export function validateView(view: unknown, opts: { expectHome?: boolean } = {}): BlockIssue[] {
  const c = new Checker();
  const at = '/view';
  if (!isObject(view)) {
    c.add(at, 'must provide an object');
    return c.issues;
  }
  if (view.type !== 'modal' && view.type !== 'home') {
    c.add(
      `${at}/type`,
      view.type === undefined ? 'missing required field: type' : 'must be one of: modal, home',
    );
    return c.issues;
  }
  if (opts.expectHome === true && view.type !== 'home') c.add(`${at}/type`, 'must be home');
  if (opts.expectHome === false && view.type !== 'modal') c.add(`${at}/type`, 'must be modal');
  if (view.type === 'modal') {
    if (view.title === undefined) c.add(at, 'missing required field: title');
    else c.text(view.title, `${at}/title`, { max: 24, plainOnly: true });
  } else {
    c.optionalText(view, 'title', at, { max: 24, plainOnly: true });
  }
  c.optionalText(view, 'submit', at, { max: 24, plainOnly: true });
  c.optionalText(view, 'close', at, { max: 24, plainOnly: true });
  c.string(view, 'callback_id', at, { max: 255 });
  c.string(view, 'private_metadata', at, { max: 3000 });
  c.string(view, 'external_id', at, { max: 255 });
  const surface: Surface = view.type === 'home' ? 'home' : 'modal';
  if (view.blocks === undefined) c.add(at, 'missing required field: blocks');
  else c.issues.push(...validateBlocks(view.blocks, surface, `${at}/blocks`));
  const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObject(b) && b.type === 'input');
  if (view.type === 'modal' && hasInput && view.submit === undefined) {
    c.add(at, 'missing required field: submit (a modal with input blocks needs a submit button)');
  }
  return c.issues;
}
