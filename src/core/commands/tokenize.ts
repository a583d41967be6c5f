import { err, ok, type ParseError, type Result } from '../result.js';

/**
 * Splits command text into words: whitespace separates, "double" or 'single' quotes group
 * (Slack sends curly quotes from some clients; they count as quotes too). No escapes, no
 * expansion: the words are data, never shell. Control characters are refused.
 */
export function tokenize(text: string): Result<string[], ParseError> {
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) {
    return err({ code: 'COMMAND_CONTROL_CHARACTER', message: 'the command contains a control character' });
  }
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: string | null = null;
  const closing: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’' };
  for (const ch of text.trim()) {
    if (quote) {
      if (ch === closing[quote] || (quote === '“' && ch === '“')) quote = null;
      else current += ch;
      continue;
    }
    if (ch in closing) {
      quote = ch;
      inWord = true;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      continue;
    }
    current += ch;
    inWord = true;
  }
  if (quote) return err({ code: 'COMMAND_UNCLOSED_QUOTE', message: `a quote (${quote}) is not closed` });
  if (inWord) words.push(current);
  return ok(words);
}
