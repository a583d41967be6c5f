/**
 * Block Kit → DOM: the blocks and elements an app sends to messages, modals and the App Home.
 * Interactive elements outside input blocks call ctx.onAction(element, blockId, value); input
 * blocks are read back by collectInputs() when a modal is submitted.
 *
 * ctx: { surface, text: { userName, channelName, me }, users, channels, onAction, errors }
 */
import { h, rich } from './dom.js';
import { escapeHtml, plainOf, textObject } from './mrkdwn.js';

const SELECTS = new Set([
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
]);

function textHtml(obj, ctx) {
  return textObject(obj, ctx.text);
}

/** The options of a select: its own, its groups', or the workspace's users or channels. */
function optionsOf(element, ctx) {
  const type = element.type.replace(/^multi_/, '');
  if (type === 'users_select') return ctx.users.map((u) => ({ value: u.id, label: u.realName || u.name }));
  if (type === 'conversations_select' || type === 'channels_select') {
    return ctx.channels.filter((c) => !c.isIm).map((c) => ({ value: c.id, label: `#${c.name}` }));
  }
  const flat = (list) => (list ?? []).map((o) => ({ value: o.value, label: plainOf(o.text) }));
  if (Array.isArray(element.option_groups)) {
    return element.option_groups.flatMap((g) =>
      flat(g.options).map((o) => ({ ...o, group: plainOf(g.label) })),
    );
  }
  return flat(element.options);
}

function initialValues(element) {
  const one =
    element.initial_option?.value ??
    element.initial_user ??
    element.initial_conversation ??
    element.initial_channel;
  if (one !== undefined) return [one];
  const many =
    element.initial_options?.map((o) => o.value) ??
    element.initial_users ??
    element.initial_conversations ??
    element.initial_channels;
  return many ?? [];
}

/**
 * Slack's confirmation dialog (a button's or a select's `confirm`): resolves true when the
 * user confirms.
 */
export function confirmDialog(confirm, textCtx = {}) {
  return new Promise((resolve) => {
    const close = (answer) => {
      overlay.remove();
      document.removeEventListener('keydown', onKey);
      resolve(answer);
    };
    const onKey = (event) => {
      if (event.key === 'Escape') close(false);
    };
    const style = confirm.style === 'danger' ? 'danger' : 'primary';
    const overlay = h(
      'div',
      { class: 'overlay confirm-overlay', onclick: (e) => e.target === overlay && close(false) },
      h(
        'div',
        { class: 'dialog confirm-dialog', role: 'alertdialog', 'aria-modal': 'true' },
        h('h2', { class: 'dialog-title' }, plainOf(confirm.title) || 'Are you sure?'),
        rich('div', 'dialog-text', textObject(confirm.text, textCtx)),
        h(
          'div',
          { class: 'dialog-buttons' },
          h(
            'button',
            { type: 'button', class: 'btn', onclick: () => close(false) },
            plainOf(confirm.deny) || 'Cancel',
          ),
          h(
            'button',
            { type: 'button', class: `btn ${style}`, onclick: () => close(true) },
            plainOf(confirm.confirm) || 'Yes',
          ),
        ),
      ),
    );
    document.addEventListener('keydown', onKey);
    document.body.append(overlay);
    overlay.querySelector(`.btn.${style}`)?.focus();
  });
}

/** Runs an element's action after its confirm dialog (if any), disabling the control meanwhile. */
async function act(element, blockId, value, ctx, control) {
  if (element.confirm && !(await confirmDialog(element.confirm, ctx.text))) return false;
  if (control) control.disabled = true;
  control?.classList.add('busy');
  try {
    await ctx.onAction(element, blockId, value);
  } finally {
    if (control) control.disabled = false;
    control?.classList.remove('busy');
  }
  return true;
}

function button(element, blockId, ctx) {
  const style = element.style === 'primary' || element.style === 'danger' ? element.style : '';
  const btn = h('button', {
    type: 'button',
    class: `btn ${style}`.trim(),
    dataset: { actionId: element.action_id ?? '' },
    html: textHtml(element.text, ctx),
  });
  btn.addEventListener('click', async () => {
    if (element.url) window.open(element.url, '_blank', 'noopener');
    await act(element, blockId, element.value, ctx, btn);
  });
  return btn;
}

function overflow(element, blockId, ctx) {
  const menu = h('div', { class: 'menu', hidden: true });
  const toggle = h(
    'button',
    { type: 'button', class: 'btn overflow', title: 'More actions', 'aria-haspopup': 'menu' },
    '⋯',
  );
  for (const option of element.options ?? []) {
    menu.append(
      h(
        'button',
        {
          type: 'button',
          class: 'menu-item',
          onclick: async () => {
            menu.hidden = true;
            if (option.url) window.open(option.url, '_blank', 'noopener');
            await act(element, blockId, option.value, ctx, toggle);
          },
        },
        plainOf(option.text),
      ),
    );
  }
  toggle.addEventListener('click', () => {
    menu.hidden = !menu.hidden;
  });
  return h('span', { class: 'overflow-wrap', dataset: { actionId: element.action_id ?? '' } }, toggle, menu);
}

function select(element, blockId, ctx, input) {
  const multi = element.type.startsWith('multi_');
  const initial = initialValues(element);
  const sel = h('select', {
    class: 'select',
    multiple: multi,
    dataset: { actionId: element.action_id ?? '', type: element.type, blockId },
    'aria-label': plainOf(element.placeholder) || 'Select',
  });
  if (!multi) sel.append(h('option', { value: '' }, plainOf(element.placeholder) || 'Select an item'));
  const groups = new Map();
  for (const o of optionsOf(element, ctx)) {
    const option = h('option', { value: o.value, selected: initial.includes(o.value) }, o.label);
    if (o.group) {
      if (!groups.has(o.group)) {
        groups.set(o.group, h('optgroup', { label: o.group }));
        sel.append(groups.get(o.group));
      }
      groups.get(o.group).append(option);
    } else sel.append(option);
  }
  if (element.type.includes('external')) sel.disabled = true;
  if (!input) {
    let previous = sel.value;
    sel.addEventListener('change', async () => {
      const value = multi ? [...sel.selectedOptions].map((o) => o.value) : sel.value;
      if (!(await act(element, blockId, value, ctx, sel))) sel.value = previous;
      previous = sel.value;
    });
  }
  return sel;
}

function choices(element, blockId, ctx, input) {
  const radio = element.type === 'radio_buttons';
  const initial = initialValues(element);
  const name = `${blockId}:${element.action_id}:${Math.random().toString(36).slice(2)}`;
  const box = h('div', {
    class: 'choices',
    dataset: { actionId: element.action_id ?? '', type: element.type, blockId },
  });
  for (const option of element.options ?? []) {
    const control = h('input', {
      type: radio ? 'radio' : 'checkbox',
      name,
      value: option.value,
      checked: initial.includes(option.value),
    });
    if (!input) {
      control.addEventListener('change', () => {
        const value = radio ? option.value : [...box.querySelectorAll('input:checked')].map((c) => c.value);
        act(element, blockId, value, ctx, null);
      });
    }
    box.append(
      h(
        'label',
        { class: 'choice' },
        control,
        h('span', { html: textHtml(option.text, ctx) }),
        option.description ? h('small', { html: textHtml(option.description, ctx) }) : null,
      ),
    );
  }
  return box;
}

function textInput(element, blockId) {
  const type = {
    number_input: 'number',
    email_text_input: 'email',
    url_text_input: 'url',
    datepicker: 'date',
    timepicker: 'time',
  }[element.type];
  const common = {
    class: 'text-input',
    placeholder: plainOf(element.placeholder) || undefined,
    dataset: { actionId: element.action_id ?? '', type: element.type, blockId },
    maxlength: element.max_length,
  };
  const initial = element.initial_value ?? element.initial_date ?? element.initial_time ?? '';
  if (element.multiline) {
    const area = h('textarea', { ...common, rows: 4 });
    area.value = initial;
    return area;
  }
  const field = h('input', {
    ...common,
    type: type ?? 'text',
    step: element.is_decimal_allowed ? 'any' : undefined,
  });
  field.value = initial;
  return field;
}

function imageElement(element, small) {
  return h('img', {
    class: small ? 'context-image' : 'accessory-image',
    src: element.image_url ?? element.slack_file?.url ?? '',
    alt: element.alt_text ?? '',
    title: element.alt_text ?? '',
    loading: 'lazy',
  });
}

/** An interactive (or image) element. `input`: inside an input block, read on submit. */
export function renderElement(element, blockId, ctx, input = false) {
  if (!element || typeof element !== 'object') return null;
  switch (element.type) {
    case 'button':
      return button(element, blockId, ctx);
    case 'overflow':
      return overflow(element, blockId, ctx);
    case 'image':
      return imageElement(element, false);
    case 'radio_buttons':
    case 'checkboxes':
      return choices(element, blockId, ctx, input);
    case 'plain_text_input':
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'datepicker':
    case 'timepicker': {
      const field = textInput(element, blockId);
      if (!input) {
        field.addEventListener('change', () => act(element, blockId, field.value, ctx, field));
      }
      return field;
    }
    default:
      if (SELECTS.has(element.type)) return select(element, blockId, ctx, input);
      return h('span', { class: 'unsupported' }, `[${element.type}]`);
  }
}

function section(block, ctx) {
  const body = h('div', { class: 'section-body' });
  if (block.text) body.append(rich('div', 'section-text', textHtml(block.text, ctx)));
  if (Array.isArray(block.fields) && block.fields.length > 0) {
    body.append(
      h(
        'div',
        { class: 'fields' },
        block.fields.map((f) => rich('div', 'field', textHtml(f, ctx))),
      ),
    );
  }
  const accessory = block.accessory
    ? h('div', { class: 'accessory' }, renderElement(block.accessory, block.block_id, ctx))
    : null;
  return h('div', { class: 'block section' }, body, accessory);
}

function context(block, ctx) {
  return h(
    'div',
    { class: 'block context' },
    (block.elements ?? []).map((e) =>
      e.type === 'image' ? imageElement(e, true) : rich('span', 'context-text', textHtml(e, ctx)),
    ),
  );
}

function image(block, ctx) {
  return h(
    'figure',
    { class: 'block image' },
    block.title ? rich('figcaption', 'image-title', textHtml(block.title, ctx)) : null,
    h('img', {
      src: block.image_url ?? block.slack_file?.url ?? '',
      alt: block.alt_text ?? '',
      loading: 'lazy',
    }),
  );
}

function inputBlock(block, ctx) {
  const error = ctx.errors?.[block.block_id];
  return h(
    'div',
    {
      class: `block input${error ? ' has-error' : ''}`,
      dataset: { blockId: block.block_id ?? '', optional: block.optional ? '1' : '' },
    },
    h(
      'label',
      { class: 'input-label' },
      plainOf(block.label),
      block.optional ? h('span', { class: 'optional' }, ' (optional)') : null,
    ),
    renderElement(block.element, block.block_id, ctx, true),
    block.hint ? rich('div', 'input-hint', textHtml(block.hint, ctx)) : null,
    h('div', { class: 'input-error', role: 'alert' }, error ?? ''),
  );
}

/** rich_text: sections, lists, preformatted and quotes with styled runs. */
function richText(block, ctx) {
  const run = (e) => {
    let html;
    switch (e.type) {
      case 'text':
        html = escapeHtml(e.text ?? '').replace(/\n/g, '<br>');
        break;
      case 'link':
        html = /^(https?:|mailto:)/i.test(e.url ?? '')
          ? `<a href="${escapeHtml(e.url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(e.text ?? e.url)}</a>`
          : escapeHtml(e.text ?? e.url ?? '');
        break;
      case 'emoji':
        html = textObject({ type: 'plain_text', text: `:${e.name}:` });
        break;
      case 'user':
        html = `<span class="mention user">@${escapeHtml(ctx.text.userName?.(e.user_id) ?? e.user_id)}</span>`;
        break;
      case 'channel':
        html = `<span class="mention channel">#${escapeHtml(ctx.text.channelName?.(e.channel_id) ?? e.channel_id)}</span>`;
        break;
      default:
        html = escapeHtml(e.text ?? '');
    }
    const s = e.style ?? {};
    if (s.code) html = `<code>${html}</code>`;
    if (s.bold) html = `<b>${html}</b>`;
    if (s.italic) html = `<i>${html}</i>`;
    if (s.strike) html = `<s>${html}</s>`;
    return html;
  };
  const part = (p) => {
    const inner = (p.elements ?? [])
      .map((e) => (e.type?.startsWith('rich_text_') ? part(e) : run(e)))
      .join('');
    switch (p.type) {
      case 'rich_text_list': {
        const tag = p.style === 'ordered' ? 'ol' : 'ul';
        return `<${tag}>${(p.elements ?? []).map((e) => `<li>${part(e)}</li>`).join('')}</${tag}>`;
      }
      case 'rich_text_preformatted':
        return `<pre class="code-block">${inner}</pre>`;
      case 'rich_text_quote':
        return `<blockquote>${inner}</blockquote>`;
      default:
        return `<div>${inner}</div>`;
    }
  };
  return rich('div', 'block rich-text', (block.elements ?? []).map(part).join(''));
}

export function renderBlock(block, ctx) {
  switch (block.type) {
    case 'section':
      return section(block, ctx);
    case 'header':
      return rich('h3', 'block header', textHtml(block.text, ctx));
    case 'divider':
      return h('hr', { class: 'block divider' });
    case 'context':
      return context(block, ctx);
    case 'image':
      return image(block, ctx);
    case 'actions':
    case 'context_actions':
      return h(
        'div',
        { class: 'block actions' },
        (block.elements ?? []).map((e) => renderElement(e, block.block_id, ctx)),
      );
    case 'input':
      return inputBlock(block, ctx);
    case 'rich_text':
      return richText(block, ctx);
    case 'markdown':
      return h('div', { class: 'block markdown' }, block.text ?? '');
    default:
      return h('div', { class: 'block unsupported' }, `[${block.type} block]`);
  }
}

export function renderBlocks(blocks, ctx) {
  return h(
    'div',
    { class: 'blocks' },
    (blocks ?? []).map((b) => renderBlock(b, ctx)),
  );
}

/** Legacy attachments: a colour bar with text, fields and blocks. */
export function renderAttachments(attachments, ctx) {
  if (!Array.isArray(attachments) || attachments.length === 0) return null;
  const colours = { good: '#2eb67d', warning: '#ecb22e', danger: '#e01e5a' };
  return h(
    'div',
    { class: 'attachments' },
    attachments.map((a) =>
      h(
        'div',
        {
          class: 'attachment',
          style: `border-left-color: ${/^#[0-9a-f]{3,6}$/i.test(a.color ?? '') ? a.color : (colours[a.color] ?? '#ddd')}`,
        },
        a.pretext ? rich('div', 'pretext', textObject({ type: 'mrkdwn', text: a.pretext }, ctx.text)) : null,
        a.title ? h('div', { class: 'attachment-title' }, a.title) : null,
        a.text
          ? rich('div', 'attachment-text', textObject({ type: 'mrkdwn', text: a.text }, ctx.text))
          : null,
        Array.isArray(a.fields) && a.fields.length
          ? h(
              'div',
              { class: 'fields' },
              a.fields.map((f) =>
                h(
                  'div',
                  { class: 'field' },
                  h('b', {}, f.title ?? ''),
                  rich('div', '', textObject({ type: 'mrkdwn', text: f.value ?? '' }, ctx.text)),
                ),
              ),
            )
          : null,
        Array.isArray(a.blocks) ? renderBlocks(a.blocks, ctx) : null,
        a.footer ? h('div', { class: 'attachment-footer' }, a.footer) : null,
      ),
    ),
  );
}

/** What the user entered in a modal's input blocks, by action_id; and the blocks left empty. */
export function collectInputs(root) {
  const values = {};
  const missing = [];
  for (const block of root.querySelectorAll('.block.input')) {
    const control = block.querySelector('[data-action-id]');
    if (!control) continue;
    const { actionId, type } = control.dataset;
    let value;
    if (control.tagName === 'SELECT') {
      value = control.multiple ? [...control.selectedOptions].map((o) => o.value) : control.value;
    } else if (type === 'checkboxes') {
      value = [...control.querySelectorAll('input:checked')].map((c) => c.value);
    } else if (type === 'radio_buttons') {
      value = control.querySelector('input:checked')?.value ?? '';
    } else {
      value = control.value;
    }
    const empty = value === '' || (Array.isArray(value) && value.length === 0);
    if (empty && !block.dataset.optional) missing.push(block.dataset.blockId);
    values[actionId] = value;
  }
  return { values, missing };
}
