import { connectorPage, connectorExampleProblems } from '@callrelay/core/connector-docs';
import type { GeneratedFile } from '../init/project.js';
import type { ScaffoldNames } from './names.js';
import { packageFiles } from './package-files.js';
import { sinkDefinitionForDocs, sinkFiles } from './sink-template.js';
import { sourceDefinitionForDocs, sourceFiles } from './source-template.js';

/**
 * Every file of a new connector package: the manifest and tooling, the definition and its tests,
 * and `docs/<type>.md` generated from the definition's schema by the same function as the package's
 * own `npm run docs`.
 */
export function scaffoldFiles(names: ScaffoldNames): GeneratedFile[] {
  const definition = names.kind === 'sink' ? sinkDefinitionForDocs(names) : sourceDefinitionForDocs(names);
  const problems = connectorExampleProblems(definition);
  // The templates' example is ours: a problem here is a bug of the CLI, not of the user.
  if (problems.length) throw new Error(`callrelay new: the template's example does not validate: ${problems.join('; ')}`);
  return [
    ...packageFiles(names, definition),
    ...(names.kind === 'sink' ? sinkFiles(names) : sourceFiles(names)),
    { path: `docs/${names.type}.md`, content: connectorPage(definition, { packageName: names.packageName }) },
  ];
}
