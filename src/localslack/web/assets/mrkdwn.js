/**
 * Slack's mrkdwn as HTML. Every piece of text is escaped here; what comes out is safe to put
 * in innerHTML. Control sequences (<…>) are links, mentions and dates; &amp; &lt; &gt; are
 * Slack's own escapes of literal characters.
 */
import { emojify } from './emoji.js';

export function escapeHtml(text) {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Slack's escapes back to characters: the sender wrote &lt; for a literal <. */
function unescapeSlack(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function safeUrl(url) {
  return /^(https?:|mailto:)/i.test(url) ? url : undefined;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function ordinal(n) {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** One {token} of Slack's date formatting, in the browser's time zone. */
function dateToken(token, d, now) {
  const hours = d.getHours() % 12 || 12;
  const ampm = d.getHours() < 12 ? 'AM' : 'PM';
  const yesterday = new Date(now.getTime() - 86_400_000);
  const tomorrow = new Date(now.getTime() + 86_400_000);
  const pretty = (fallback) =>
    sameDay(d, now)
      ? 'today'
      : sameDay(d, yesterday)
        ? 'yesterday'
        : sameDay(d, tomorrow)
          ? 'tomorrow'
          : fallback;
  const date = `${MONTHS[d.getMonth()]} ${ordinal(d.getDate())}, ${d.getFullYear()}`;
  const short = `${MONTHS[d.getMonth()].slice(0, 3)} ${d.getDate()}, ${d.getFullYear()}`;
  const long = `${DAYS[d.getDay()]}, ${date}`;
  switch (token) {
    case 'date_num':
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    case 'date':
      return date;
    case 'date_short':
      return short;
    case 'date_long':
      return long;
    case 'date_pretty':
      return pretty(date);
    case 'date_short_pretty':
      return pretty(short);
    case 'date_long_pretty':
      return pretty(long);
    case 'time':
      return `${hours}:${pad(d.getMinutes())} ${ampm}`;
    case 'time_secs':
      return `${hours}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${ampm}`;
    case 'ago': {
      const s = Math.round((now.getTime() - d.getTime()) / 1000);
      if (Math.abs(s) < 60) return s >= 0 ? 'just now' : 'in a moment';
      const [n, unit] =
        Math.abs(s) < 3600
          ? [Math.round(s / 60), 'minute']
          : Math.abs(s) < 86400
            ? [Math.round(s / 3600), 'hour']
            : [Math.round(s / 86400), 'day'];
      const abs = Math.abs(n);
      return n >= 0
        ? `${abs} ${unit}${abs === 1 ? '' : 's'} ago`
        : `in ${abs} ${unit}${abs === 1 ? '' : 's'}`;
    }
    default:
      return undefined;
  }
}

/** `<!date^1392734382^{date_short_pretty} at {time}|fallback>`: the format, or the fallback when unreadable. */
export function formatSlackDate(seconds, format, fallback, now = new Date()) {
  const d = new Date(Number(seconds) * 1000);
  if (Number.isNaN(d.getTime())) return fallback;
  let ok = true;
  const out = format.replace(/\{(\w+)\}/g, (whole, token) => {
    const value = dateToken(token, d, now);
    if (value === undefined) ok = false;
    return value ?? whole;
  });
  return ok ? out : fallback;
}

/** A control sequence's HTML: link, channel, user, special mention or date. */
function control(inner, ctx) {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : undefined;
  if (target.startsWith('#')) {
    const id = target.slice(1);
    const name = label ?? ctx.channelName?.(id) ?? id;
    return `<span class="mention channel" data-channel="${escapeHtml(id)}">#${escapeHtml(unescapeSlack(name))}</span>`;
  }
  if (target.startsWith('@')) {
    const id = target.slice(1);
    const name = ctx.userName?.(id) ?? label ?? id;
    const me = ctx.me === id ? ' me' : '';
    return `<span class="mention user${me}" data-user="${escapeHtml(id)}">@${escapeHtml(unescapeSlack(name))}</span>`;
  }
  if (target.startsWith('!')) {
    const [kind, ...args] = target.slice(1).split('^');
    if (kind === 'date') {
      const [seconds, format = '{date_short_pretty}', link] = args;
      const text = escapeHtml(
        formatSlackDate(seconds, format, unescapeSlack(label ?? ''), ctx.now ?? new Date()),
      );
      const url = link && safeUrl(unescapeSlack(link));
      const title = escapeHtml(new Date(Number(seconds) * 1000).toString());
      return url
        ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer" title="${title}">${text}</a>`
        : `<time title="${title}">${text}</time>`;
    }
    if (kind === 'subteam')
      return `<span class="mention">${escapeHtml(unescapeSlack(label ?? `@${args[0] ?? 'group'}`))}</span>`;
    if (kind === 'here' || kind === 'channel' || kind === 'everyone')
      return `<span class="mention">@${kind}</span>`;
    return escapeHtml(unescapeSlack(label ?? target));
  }
  const url = safeUrl(unescapeSlack(target));
  const text = escapeHtml(unescapeSlack(label ?? target));
  return url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${text}</a>` : text;
}

/** A control sequence inside code: its label as plain text. */
function controlLabel(inner, ctx) {
  const bar = inner.indexOf('|');
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  if (bar >= 0) return inner.slice(bar + 1);
  if (target.startsWith('#')) return `#${ctx.channelName?.(target.slice(1)) ?? target.slice(1)}`;
  if (target.startsWith('@')) return `@${ctx.userName?.(target.slice(1)) ?? target.slice(1)}`;
  return target;
}

function codeText(text, ctx) {
  return escapeHtml(unescapeSlack(text.replace(/<([^<>\n]+)>/g, (_, inner) => controlLabel(inner, ctx))));
}

/** Bold, italic and strikethrough in escaped text; markers must hug words, as in Slack. */
function emphasis(text) {
  return text
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g, '$1<b>$2</b>')
    .replace(/(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])/g, '$1<i>$2</i>')
    .replace(/(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])/g, '$1<s>$2</s>');
}

/**
 * mrkdwn text → HTML. ctx: { userName(id), channelName(id), me, now }.
 */
export function mrkdwn(text, ctx = {}) {
  const held = [];
  const hold = (html) => `\u0001${held.push(html) - 1}\u0002`;
  let s = String(text ?? '');
  s = s.replace(/```([\s\S]*?)```/g, (_, code) =>
    hold(`<pre class="code-block">${codeText(code.replace(/^\n/, ''), ctx)}</pre>`),
  );
  s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${codeText(code, ctx)}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (_, inner) => hold(control(inner, ctx)));
  const lines = s.split('\n').map((line) => {
    const quoted = /^>\s?/.test(line) || /^&gt;\s?/.test(line);
    const body = quoted ? line.replace(/^(>|&gt;)\s?/, '') : line;
    return { quoted, html: emojify(emphasis(escapeHtml(unescapeSlack(body)))) };
  });
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.quoted) {
      const run = [line.html];
      while (i + 1 < lines.length && lines[i + 1].quoted) run.push(lines[++i].html);
      out.push(`<blockquote>${run.join('<br>')}</blockquote>`);
    } else {
      out.push(line.html + (i + 1 < lines.length && !lines[i + 1].quoted ? '<br>' : ''));
    }
  }
  return out.join('').replace(/\u0001(\d+)\u0002/g, (_, n) => held[Number(n)]);
}

/** A text object (plain_text or mrkdwn) as HTML. */
export function textObject(obj, ctx = {}) {
  if (obj === undefined || obj === null) return '';
  if (typeof obj === 'string') return escapeHtml(obj);
  if (obj.type === 'mrkdwn') return mrkdwn(obj.text, ctx);
  const plain = escapeHtml(obj.text ?? '').replace(/\n/g, '<br>');
  return obj.emoji === false ? plain : emojify(plain);
}

/** A text object as plain text (labels, options, placeholders). */
export function plainOf(obj) {
  if (obj === undefined || obj === null) return '';
  return typeof obj === 'string' ? obj : String(obj.text ?? '');
}
