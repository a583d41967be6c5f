import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIssue, validateBlocks, validateView } from '../../src/localslack/index.js';

const approval = [
  { type: 'header', text: { type: 'plain_text', text: 'Drain web-2?' } },
  {
    type: 'section',
    text: { type: 'mrkdwn', text: '*web-2* (10.0.0.12) leaves *web:80*; 2 of 3 real servers remain.' },
    fields: [
      { type: 'mrkdwn', text: '*Requested by*\n<@U0OPERATOR>' },
      { type: 'mrkdwn', text: '*Cluster*\nlab' },
    ],
    accessory: {
      type: 'overflow',
      action_id: 'lvs_more',
      options: [{ text: { type: 'plain_text', text: 'Details' }, value: 'details' }],
    },
  },
  { type: 'divider' },
  {
    type: 'actions',
    block_id: 'approval',
    elements: [
      {
        type: 'button',
        action_id: 'lvs_approve',
        style: 'primary',
        value: 'job-42',
        text: { type: 'plain_text', text: 'Approve' },
        confirm: {
          title: { type: 'plain_text', text: 'Sure?' },
          text: { type: 'mrkdwn', text: 'This drains web-2.' },
          confirm: { type: 'plain_text', text: 'Drain' },
          deny: { type: 'plain_text', text: 'Cancel' },
        },
      },
      {
        type: 'button',
        action_id: 'lvs_reject',
        style: 'danger',
        text: { type: 'plain_text', text: 'Reject' },
      },
      {
        type: 'static_select',
        action_id: 'lvs_timeout',
        placeholder: { type: 'plain_text', text: 'Timeout' },
        options: [
          { text: { type: 'plain_text', text: '5 minutes' }, value: '5m' },
          { text: { type: 'plain_text', text: '1 hour' }, value: '1h' },
        ],
      },
    ],
  },
  { type: 'context', elements: [{ type: 'mrkdwn', text: 'job 42 · two-person rule' }] },
];

describe('Block Kit validation', () => {
  it('accepts a realistic approval message', () => {
    expect(validateBlocks(approval, 'message')).toEqual([]);
  });

  it('reports each problem with a JSON pointer, in the form Slack puts in `errors`', () => {
    const issues = validateBlocks(
      [
        { type: 'section', text: { type: 'mrkdwn', text: '' } },
        { type: 'header', text: { type: 'mrkdwn', text: 'not plain' } },
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'a' },
            { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'x' } },
          ],
        },
      ],
      'message',
    );
    expect(issues.map(formatIssue)).toEqual([
      'must be more than 0 characters [json-pointer:/blocks/0/text/text]',
      'must be plain_text [json-pointer:/blocks/1/text/type]',
      'missing required field: text [json-pointer:/blocks/2/elements/0]',
      'duplicate action_id: a [json-pointer:/blocks/2/elements/1/action_id]',
    ]);
  });

  it('refuses duplicate block_ids and element types that do not belong in the block', () => {
    const issues = validateBlocks(
      [
        { type: 'divider', block_id: 'x' },
        { type: 'divider', block_id: 'x' },
        { type: 'actions', elements: [{ type: 'plain_text_input', action_id: 'p' }] },
      ],
      'message',
    ).map(formatIssue);
    expect(issues).toEqual([
      'duplicate block_id: x [json-pointer:/blocks/1/block_id]',
      'unsupported type: plain_text_input [json-pointer:/blocks/2/elements/0/type]',
    ]);
  });

  it('allows 100 blocks in a view but 50 in a message', () => {
    const blocks = Array.from({ length: 100 }, () => ({ type: 'divider' }));
    expect(validateBlocks(blocks, 'modal')).toEqual([]);
    expect(validateBlocks(blocks, 'message').map(formatIssue)).toEqual([
      'no more than 50 items allowed [json-pointer:/blocks]',
    ]);
  });

  it('checks a modal: title up to 24 characters, and a submit button when it has inputs', () => {
    const issues = validateView({
      type: 'modal',
      title: { type: 'plain_text', text: 'A title far longer than Slack allows' },
      blocks: [
        {
          type: 'input',
          label: { type: 'plain_text', text: 'Weight' },
          element: { type: 'plain_text_input', action_id: 'w' },
        },
      ],
    }).map(formatIssue);
    expect(issues).toEqual([
      'must be less than 25 characters [json-pointer:/view/title/text]',
      'missing required field: submit (a modal with input blocks needs a submit button) [json-pointer:/view]',
    ]);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.constantFrom('message', 'modal', 'home') as fc.Arbitrary<'message' | 'modal' | 'home'>,
        (blocks, surface) => {
          expect(Array.isArray(validateBlocks(blocks, surface))).toBe(true);
          expect(Array.isArray(validateView(blocks))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
