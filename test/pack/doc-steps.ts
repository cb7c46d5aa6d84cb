/**
 * The runnable steps of a Markdown document (docs/authoring.md): fenced blocks whose info string
 * says what to do with them, in document order. Other blocks are shown to readers only.
 * - ```` ```sh step ````: a shell script, run with `bash -e` from the folder the previous step ended in;
 * - ```` ```<lang> file=<path> ````: a file to write, relative to that folder.
 */
export type DocStep =
  | { kind: 'sh'; script: string; line: number }
  | { kind: 'file'; path: string; content: string; line: number };

export function docSteps(markdown: string): DocStep[] {
  const steps: DocStep[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)(.*)$/.exec(lines[i]!);
    if (!fence) continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    const [language, info] = [fence[1]!, fence[2]!.trim().split(/\s+/)];
    const file = info.find((word) => word.startsWith('file='))?.slice('file='.length);
    if (file) steps.push({ kind: 'file', path: file, content: `${body.join('\n')}\n`, line: start + 1 });
    else if (language === 'sh' && info.includes('step')) steps.push({ kind: 'sh', script: body.join('\n'), line: start + 1 });
  }
  return steps;
}
