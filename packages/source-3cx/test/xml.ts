/**
 * A strict reader of the XML subset 3CX CRM templates use (declaration, comments, elements,
 * attributes, text, character and entity references), for tests: it throws, with the offset, on
 * anything that is not well-formed XML (unclosed or crossed tags, a bare `<` or `&`, an unknown
 * entity, an unquoted or repeated attribute, `--` inside a comment, a second root). 3CX rejects such
 * a file with "incorrect file format"; the repository has no XML parser, and a test needs no more.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, entities decoded, its children's text excluded. */
  text: string;
}

const NAME = /[A-Za-z_][\w.:-]*/y;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(source: string): XmlElement {
  let at = 0;
  const fail = (what: string): never => { throw new Error(`not well-formed XML at offset ${at}: ${what}`); };
  const skipSpace = () => { while (at < source.length && /\s/.test(source[at]!)) at += 1; };
  const name = (): string => {
    NAME.lastIndex = at;
    const m = NAME.exec(source);
    if (!m) fail('a name was expected');
    at += m![0].length;
    return m![0];
  };
  const decode = (raw: string, where: string): string => {
    if (/</.test(raw)) fail(`a bare "<" in ${where}`);
    return raw.replace(/&([^;\s]*);?/g, (whole, ref: string) => {
      if (!whole.endsWith(';')) fail(`a bare "&" in ${where}`);
      if (/^#x[0-9a-f]+$/i.test(ref)) return String.fromCodePoint(parseInt(ref.slice(2), 16));
      if (/^#\d+$/.test(ref)) return String.fromCodePoint(Number(ref.slice(1)));
      return ENTITIES[ref] ?? fail(`unknown entity &${ref};`);
    });
  };
  const misc = () => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<!--', at)) {
        const end = source.indexOf('-->', at + 4);
        if (end < 0) fail('an unclosed comment');
        if (source.slice(at + 4, end).includes('--')) fail('"--" inside a comment');
        at = end + 3;
      } else if (source.startsWith('<?', at)) {
        const end = source.indexOf('?>', at);
        if (end < 0) fail('an unclosed processing instruction');
        at = end + 2;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (source[at] !== '<') fail('"<" expected');
    at += 1;
    const el: XmlElement = { name: name(), attributes: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (source.startsWith('/>', at)) { at += 2; return el; }
      if (source[at] === '>') { at += 1; break; }
      const attr = name();
      skipSpace();
      if (source[at] !== '=') fail(`"=" expected after ${attr}`);
      at += 1;
      skipSpace();
      const quote = source[at];
      if (quote !== '"' && quote !== "'") fail(`the value of ${attr} is not quoted`);
      const end = source.indexOf(quote!, at + 1);
      if (end < 0) fail(`the value of ${attr} is not closed`);
      if (attr in el.attributes) fail(`attribute ${attr} repeated`);
      el.attributes[attr] = decode(source.slice(at + 1, end), `attribute ${attr}`);
      at = end + 1;
    }
    for (;;) {
      const next = source.indexOf('<', at);
      if (next < 0) fail(`<${el.name}> is not closed`);
      el.text += decode(source.slice(at, next), `the text of <${el.name}>`);
      at = next;
      if (source.startsWith('</', at)) {
        at += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        skipSpace();
        if (source[at] !== '>') fail('">" expected');
        at += 1;
        return el;
      }
      if (source.startsWith('<!--', at) || source.startsWith('<?', at)) misc();
      else el.children.push(element());
    }
  };
  misc();
  const root = element();
  misc();
  if (at < source.length) fail('content after the root element');
  return root;
}

/** Every descendant element named `name`, depth first. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  return root.children.flatMap((child) => [...(child.name === name ? [child] : []), ...findAll(child, name)]);
}
