/**
 * Reads `a=b&c=d` as the WebhooksApi add-on writes it: values are NOT url-encoded (the seed shows
 * `title=DID-420222000320:Answered call from 420774852629 (0:07)`), so the standard decoder would
 * turn the `+` of an international number into a space and choke on a stray `%`.
 *
 * - `%XX` sequences are decoded when valid, left as written otherwise;
 * - `+` is a space only in text that looks encoded (no literal space anywhere), and never at the
 *   start of a number (`+420...` stays a number);
 * - parts without `=` are ignored; repeated keys: the last one wins.
 *
 * Returns `undefined` when the text has no `key=value` pair at all.
 */
export function parseLooseForm(text: string): Record<string, string> | undefined {
  const plusIsSpace = !/\s/.test(text);
  const out: Record<string, string> = {};
  let pairs = 0;
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = decodeComponent(part.slice(0, eq), plusIsSpace).trim();
    if (key === '') continue;
    out[key] = decodeValue(part.slice(eq + 1), plusIsSpace);
    pairs += 1;
  }
  return pairs ? out : undefined;
}

function decodeValue(value: string, plusIsSpace: boolean): string {
  // A leading "+" followed by a digit is an international number, whatever the encoding.
  if (/^\+\d/.test(value)) return `+${decodeComponent(value.slice(1), plusIsSpace)}`;
  return decodeComponent(value, plusIsSpace);
}

function decodeComponent(value: string, plusIsSpace: boolean): string {
  const text = plusIsSpace ? value.replace(/\+/g, ' ') : value;
  try {
    return decodeURIComponent(text);
  } catch {
    // A literal "%" (or a broken sequence) in an unencoded value: decode what is valid, keep the rest.
    return text.replace(/(%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}
