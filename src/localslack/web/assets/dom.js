/** A small DOM builder: h('div', { class: 'x', onclick }, child, 'text', …). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'html') el.innerHTML = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An element whose content is HTML made by the mrkdwn renderer (every piece of text escaped there). */
export function rich(tag, className, html) {
  return h(tag, { class: className, html });
}

/** Replaces an element's children (skipping null, false and undefined, as h() does). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}
