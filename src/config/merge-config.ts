// Several configuration files read as one: a later file is laid over the earlier ones, so an
// overlay (kustomize's mtls component, a user's own source) adds or changes keys and never has
// to repeat the whole file.

/** A YAML mapping as the parser gives it. */
type Mapping = Record<string, unknown>;

const isMapping = (v: unknown): v is Mapping =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A list whose every entry is a mapping with a string `name` (sources). */
const isNamedList = (v: unknown): v is Mapping[] =>
  Array.isArray(v) && v.every(e => isMapping(e) && typeof e['name'] === 'string');

/**
 * `over` laid on `base`: mappings merge key by key; lists of named mappings (`sources`) merge
 * entry by entry on `name`, as a Kubernetes strategic merge patch merges containers, new names
 * appended in order; any other value of `over` (a scalar, a plain list, null) replaces the base's.
 */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (isMapping(base) && isMapping(over)) {
    const out: Mapping = { ...base };
    for (const [key, value] of Object.entries(over)) {
      out[key] = key in base ? mergeConfig(base[key], value) : value;
    }
    return out;
  }
  if (isNamedList(base) && isNamedList(over) && over.length > 0) {
    const out = base.map(entry => {
      const match = over.find(o => o['name'] === entry['name']);
      return match === undefined ? entry : mergeConfig(entry, match);
    });
    for (const entry of over) {
      if (!base.some(b => b['name'] === entry['name'])) out.push(entry);
    }
    return out;
  }
  return over;
}
