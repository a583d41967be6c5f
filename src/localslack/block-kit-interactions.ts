/**
 * What a user's click or form input looks like in Slack's payloads: the `actions[]` entry of a
 * block_actions payload for an element, and a view's `state.values` from what was typed.
 */
import { LocalSlackError } from './local-slack-error.js';
import type { Block } from './types.js';

type Json = Record<string, unknown>;

/** What the user chose: a button press needs nothing; selects take option values or IDs. */
export type UserInput = string | string[] | number | undefined;

export interface FoundElement {
  blockId: string;
  element: Json;
  /** The block that holds it (input blocks have `optional`). */
  block: Json;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every interactive element in the blocks, with its block_id. */
export function interactiveElements(blocks: Block[]): FoundElement[] {
  const found: FoundElement[] = [];
  for (const block of blocks) {
    const blockId = typeof block.block_id === 'string' ? block.block_id : '';
    const candidates: unknown[] = [];
    if (Array.isArray(block.elements) && (block.type === 'actions' || block.type === 'context_actions')) {
      candidates.push(...block.elements);
    }
    if (block.accessory !== undefined) candidates.push(block.accessory);
    if (block.element !== undefined) candidates.push(block.element);
    for (const element of candidates) {
      if (isObject(element) && typeof element.action_id === 'string' && element.type !== 'image') {
        found.push({ blockId, element, block });
      }
    }
  }
  return found;
}

export function findElement(blocks: Block[], actionId: string, blockId?: string): FoundElement {
  const all = interactiveElements(blocks);
  const match = all.find(
    (f) => f.element.action_id === actionId && (blockId === undefined || f.blockId === blockId),
  );
  if (!match) {
    const known = all.map((f) => f.element.action_id).join(', ') || 'none';
    throw new LocalSlackError(
      'action_not_found',
      `no element with action_id ${actionId}; the blocks have: ${known}`,
    );
  }
  return match;
}

function allOptions(element: Json): Json[] {
  const options: Json[] = [];
  if (Array.isArray(element.options)) options.push(...element.options.filter(isObject));
  if (Array.isArray(element.option_groups)) {
    for (const group of element.option_groups) {
      if (isObject(group) && Array.isArray(group.options)) options.push(...group.options.filter(isObject));
    }
  }
  return options;
}

function option(element: Json, value: string): Json {
  const options = allOptions(element);
  const match = options.find((o) => o.value === value);
  if (!match && options.length > 0) {
    const known = options.map((o) => String(o.value)).join(', ');
    throw new LocalSlackError(
      'action_not_found',
      `${String(element.action_id)} has no option ${value}; it has: ${known}`,
    );
  }
  // External selects have no options in the blocks: the user picked what the app suggested.
  return match ? structuredClone(match) : { text: { type: 'plain_text', text: value }, value };
}

function asList(input: UserInput): string[] {
  if (input === undefined) return [];
  return Array.isArray(input) ? input : [String(input)];
}

function first(input: UserInput): string | undefined {
  return asList(input)[0];
}

/** The value fields Slack reports for an element given the user's input (without type/ids). */
function selection(element: Json, input: UserInput): Json {
  const type = String(element.type);
  const value = first(input);
  switch (type) {
    case 'button':
      return element.value === undefined ? {} : { value: element.value };
    case 'static_select':
    case 'external_select':
    case 'overflow':
    case 'radio_buttons':
      return { selected_option: value === undefined ? null : option(element, value) };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { selected_options: asList(input).map((v) => option(element, v)) };
    case 'users_select':
      return { selected_user: value ?? null };
    case 'multi_users_select':
      return { selected_users: asList(input) };
    case 'conversations_select':
      return { selected_conversation: value ?? null };
    case 'multi_conversations_select':
      return { selected_conversations: asList(input) };
    case 'channels_select':
      return { selected_channel: value ?? null };
    case 'multi_channels_select':
      return { selected_channels: asList(input) };
    case 'datepicker':
      return { selected_date: value ?? null };
    case 'timepicker':
      return { selected_time: value ?? null };
    case 'datetimepicker':
      return { selected_date_time: value === undefined ? null : Number(value) };
    default:
      return { value: value ?? null };
  }
}

/** One entry of a block_actions payload's `actions` array. */
export function actionPayload(found: FoundElement, input: UserInput, actionTs: string): Json {
  const { element, blockId } = found;
  const action: Json = {
    action_id: element.action_id,
    block_id: blockId,
    type: element.type,
    action_ts: actionTs,
  };
  if (element.type === 'button') {
    action.text = structuredClone(element.text);
    if (input !== undefined) action.value = first(input);
    else if (element.value !== undefined) action.value = element.value;
    if (element.style !== undefined) action.style = element.style;
    return action;
  }
  Object.assign(action, selection(element, input));
  if (element.placeholder !== undefined) action.placeholder = structuredClone(element.placeholder);
  return action;
}

/** The element's initial value, as Slack pre-fills the state with it. */
function initialInput(element: Json): UserInput {
  if (typeof element.initial_value === 'string') return element.initial_value;
  if (isObject(element.initial_option)) return String(element.initial_option.value);
  if (Array.isArray(element.initial_options)) {
    return element.initial_options.filter(isObject).map((o) => String(o.value));
  }
  for (const key of [
    'initial_user',
    'initial_conversation',
    'initial_channel',
    'initial_date',
    'initial_time',
  ]) {
    if (typeof element[key] === 'string') return element[key] as string;
  }
  for (const key of ['initial_users', 'initial_conversations', 'initial_channels']) {
    if (Array.isArray(element[key])) return (element[key] as unknown[]).map(String);
  }
  return undefined;
}

/**
 * `view.state.values` for a submission: every input block's element, with what the user
 * entered (by action_id) or its initial value. Refuses, as Slack's client does, a submission
 * that leaves a required input empty.
 */
export function viewState(
  blocks: Block[],
  inputs: Record<string, UserInput>,
): Record<string, Record<string, Json>> {
  const values: Record<string, Record<string, Json>> = {};
  for (const found of interactiveElements(blocks)) {
    if (found.block.type !== 'input') continue;
    const actionId = String(found.element.action_id);
    const input = Object.hasOwn(inputs, actionId) ? inputs[actionId] : initialInput(found.element);
    const empty = input === undefined || input === '' || (Array.isArray(input) && input.length === 0);
    if (empty && found.block.optional !== true) {
      throw new LocalSlackError(
        'input_required',
        `the input ${actionId} is required; Slack will not submit the view`,
      );
    }
    values[found.blockId] = {
      ...values[found.blockId],
      [actionId]: { type: found.element.type, ...selection(found.element, empty ? undefined : input) },
    };
  }
  return values;
}
