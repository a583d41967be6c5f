import { describe, expect, it } from 'vitest';
import { actionPayload, findElement, viewState } from '../../src/localslack/block-kit-interactions.js';

const blocks = [
  {
    type: 'actions',
    block_id: 'choose',
    elements: [
      {
        type: 'static_select',
        action_id: 'lvs_server',
        options: [
          { text: { type: 'plain_text', text: 'web-1' }, value: 'web-1' },
          { text: { type: 'plain_text', text: 'web-2' }, value: 'web-2' },
        ],
      },
    ],
  },
  {
    type: 'input',
    block_id: 'reason',
    label: { type: 'plain_text', text: 'Reason' },
    element: { type: 'plain_text_input', action_id: 'lvs_reason' },
  },
  {
    type: 'input',
    block_id: 'note',
    optional: true,
    label: { type: 'plain_text', text: 'Note' },
    element: { type: 'plain_text_input', action_id: 'lvs_note', initial_value: 'none' },
  },
];

describe("what a user's input looks like in Slack's payloads", () => {
  it('reports a select as the chosen option', () => {
    const action = actionPayload(findElement(blocks, 'lvs_server'), 'web-2', '1700000000.000001');
    expect(action).toEqual({
      action_id: 'lvs_server',
      block_id: 'choose',
      type: 'static_select',
      action_ts: '1700000000.000001',
      selected_option: { text: { type: 'plain_text', text: 'web-2' }, value: 'web-2' },
    });
  });

  it('refuses an option the select does not offer, naming those it does', () => {
    expect(() => actionPayload(findElement(blocks, 'lvs_server'), 'web-9', '1.000001')).toThrow(
      'lvs_server has no option web-9; it has: web-1, web-2',
    );
  });

  it('names the action_ids present when asked for one that is not', () => {
    expect(() => findElement(blocks, 'lvs_nope')).toThrow(
      'the blocks have: lvs_server, lvs_reason, lvs_note',
    );
  });

  it("builds a view's state from the inputs, with initial values, and refuses an empty required input", () => {
    expect(viewState(blocks, { lvs_reason: 'maintenance' })).toEqual({
      reason: { lvs_reason: { type: 'plain_text_input', value: 'maintenance' } },
      note: { lvs_note: { type: 'plain_text_input', value: 'none' } },
    });
    expect(() => viewState(blocks, {})).toThrow('the input lvs_reason is required');
  });
});
