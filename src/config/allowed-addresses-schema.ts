// The schema of `allowedServerAddresses`: URL patterns a trigger's serverAddress may name, each a
// plain string or `{pattern, namespaces}`.
import { Type } from '@sinclair/typebox';
import { always, leaf, readNode, section } from './schema-reader';
import { namespaces, text } from './schema-fields';
import { addressPatternProblem } from '../util/url-rules';
import { noUserinfo, urlCredentialsRule } from './credential-rules';

/** The JSON Schema's wording of a rule the reader enforces with addressPatternProblem. */
const PATTERN_CREDENTIALS_RULE = urlCredentialsRule(
  "a pattern admits servers, the credentials are the source's (basicAuth, bearerTokenFile)",
);

/** An allowedServerAddresses entry: the pattern, and the namespaces that may use it. */
export interface AllowedAddress {
  pattern: string;
  /** Undefined: every namespace. */
  namespaces: readonly string[] | undefined;
}

const AllowedAddressEntry = section(
  {
    pattern: always(
      Object.assign(
        text({ description: 'The URL pattern, as in the plain string form.' }),
        noUserinfo(PATTERN_CREDENTIALS_RULE),
      ),
    ),
    namespaces: namespaces(
      'Namespaces whose triggers may name a URL this pattern admits; unset: all namespaces.',
    ),
  },
  { required: ['pattern'], description: 'A URL pattern limited to some namespaces.' },
);

/** One entry, plain string or `{pattern, namespaces}`; the problem is recorded at `path`. */
function readAllowedAddress(
  v: unknown,
  path: string,
  problems: string[],
): AllowedAddress | undefined {
  let entry: AllowedAddress | undefined;
  if (typeof v === 'string') entry = { pattern: v, namespaces: undefined };
  else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    entry = readNode(AllowedAddressEntry, v, path, problems);
    if (entry === undefined) return undefined;
  }
  const problem = entry === undefined ? 'not a string' : addressPatternProblem(entry.pattern);
  if (entry === undefined || problem !== undefined) {
    problems.push(`${path}: must be an http(s) URL pattern (${problem})`);
    return undefined;
  }
  return { pattern: entry.pattern.replace(/\/+$/, ''), namespaces: entry.namespaces };
}

/** The `allowedServerAddresses` list: plain patterns and `{pattern, namespaces}` entries. */
export const AllowedAddresses = always(
  leaf(
    Type.Array(
      Type.Union([
        Type.String({ pattern: '^https?://.', ...noUserinfo(PATTERN_CREDENTIALS_RULE) }),
        AllowedAddressEntry,
      ]),
      {
        default: [],
        description:
          'URL patterns a trigger serverAddress may name besides the sources own; `*` matches within one host label or one path segment (a lone `*` any non-empty part, `*` among other characters any run, possibly empty), or any port. Scheme and host ignore case, the path does not. An entry may be `{pattern, namespaces}` to admit it only for some namespaces.',
      },
    ),
    (v, path, problems) => {
      if (!Array.isArray(v)) {
        problems.push(`${path}: must be a list of URL patterns`);
        return undefined;
      }
      const allowed: AllowedAddress[] = [];
      v.forEach((p: unknown, i) => {
        const entry = readAllowedAddress(p, `${path}[${i}]`, problems);
        if (entry !== undefined) allowed.push(entry);
      });
      return allowed;
    },
  ),
);
