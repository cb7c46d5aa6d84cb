import validatePackageName from 'validate-npm-package-name';
import { CommandFailure } from '../config-file.js';
import { EXIT } from '../exit-codes.js';

/** What `callrelay new` makes: a source (webhooks in) or a sink (events out). */
export type ConnectorKindToScaffold = 'source' | 'sink';

/** The names of a new connector package, derived once from the command line. */
export interface ScaffoldNames {
  kind: ConnectorKindToScaffold;
  /** The connector's type (`acme-crm`): the docs page's name, and the entry id in examples. */
  type: string;
  /** The npm package (`callrelay-sink-acme-crm`, or `--package`): what users put in `type:`. */
  packageName: string;
  /** A TypeScript identifier for the definition (`acmeCrmSink`). */
  identifier: string;
  /** The environment variable of the example's secret (`ACME_CRM_TOKEN`). */
  envPrefix: string;
}

// A leading letter keeps the identifier and the env prefix valid; single hyphens between words.
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Checks the name and package given on the command line; throws a usage error (exit 2) naming what is wrong. */
export function scaffoldNames(kind: ConnectorKindToScaffold, name: string, packageName?: string): ScaffoldNames {
  if (!NAME.test(name)) {
    throw new CommandFailure(`the ${kind} name must be lowercase letters, digits and single hyphens, starting with a letter (e.g. acme-crm), got ${JSON.stringify(name)}`, EXIT.USAGE);
  }
  const pkg = packageName ?? `callrelay-${kind}-${name}`;
  const check = validatePackageName(pkg);
  if (!check.validForNewPackages) {
    const reasons = [...(check.errors ?? []), ...(check.warnings ?? [])].join('; ');
    throw new CommandFailure(`--package ${JSON.stringify(pkg)} is not a valid npm package name: ${reasons}`, EXIT.USAGE);
  }
  const words = name.split('-');
  const identifier = `${words[0]}${words.slice(1).map((w) => `${w[0]!.toUpperCase()}${w.slice(1)}`).join('')}${kind === 'sink' ? 'Sink' : 'Source'}`;
  return { kind, type: name, packageName: pkg, identifier, envPrefix: name.toUpperCase().replace(/-/g, '_') };
}
