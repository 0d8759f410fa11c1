// Error messages quote what the client sent (a value, a name, a variable's content); a
// message sent back must never carry more than a short piece of it. Every quoted piece is
// clipped, and so is the whole message.

/** Characters kept of a quoted piece, quotes excluded. */
export const MAX_QUOTED_CHARS = 80;
/** Characters kept of a whole message. */
export const MAX_MESSAGE_CHARS = 2_000;

const ELLIPSIS = '…';

/** `text` cut to at most `max` characters, never between the halves of a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return text.slice(0, end) + ELLIPSIS;
}

/**
 * The message with each double-quoted piece (backslash escapes honoured) longer than
 * MAX_QUOTED_CHARS clipped, then the whole cut to MAX_MESSAGE_CHARS. Linear in the message.
 */
export function clipMessage(message: string): string {
  if (message.length <= MAX_QUOTED_CHARS) return message;
  let clipped = '';
  let from = 0;
  let i = 0;
  while (i < message.length) {
    if (message[i] !== '"') {
      i += 1;
      continue;
    }
    let end = i + 1;
    while (end < message.length && message[end] !== '"') end += message[end] === '\\' ? 2 : 1;
    if (end >= message.length) break; // no closing quote: the overall cut applies
    const inner = message.slice(i + 1, end);
    if (inner.length > MAX_QUOTED_CHARS) {
      clipped += `${message.slice(from, i)}"${cut(inner, MAX_QUOTED_CHARS)}"`;
      from = end + 1;
    }
    i = end + 1;
  }
  return cut(clipped + message.slice(from), MAX_MESSAGE_CHARS);
}
