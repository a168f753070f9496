// Which pods an HPA's Pods metric covers, in PromQL. prometheus-adapter is asked for
// `pods/*?labelSelector=<the target's selector>` by the HPA controller (k8s
// pkg/controller/podautoscaler/metrics/client.go, GetRawMetric), lists those pods and queries
// `pod=~"<their names>"`. Offline there are no pod names: with the workload in the input its
// selector picks the pods through kube-state-metrics' kube_pod_labels; without it, a name pattern.
import type { InputObject, Json } from './manifests';
import { isMap } from './manifests';
import { text } from './trigger-auth';

export interface PodSelection {
  /** PromQL matchers on the metric itself (a pod-name pattern), or none. */
  matchers: string[];
  /** A vector to keep the metric's pods with (`and on(pod) ...`), or undefined. */
  filter: string | undefined;
  /** The report's warning: how the pods are chosen and what that needs. */
  note: string;
}

const regexEscape = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const q = (v: string) => JSON.stringify(v);

/**
 * kube_pod_labels's name for a Kubernetes label: `label_` and the key with every character a
 * Prometheus label name cannot hold replaced by `_` (kube-state-metrics, SanitizeLabelName).
 */
export const kubePodLabel = (key: string): string => `label_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;

/**
 * A label selector (matchLabels, matchExpressions) as kube_pod_labels matchers, with the label
 * keys it needs; undefined when an expression has an operator or a shape this does not map.
 */
function kubePodLabelMatchers(
  selector: unknown,
): { matchers: string[]; keys: string[] } | undefined {
  if (!isMap(selector)) return undefined;
  const matchers: string[] = [];
  const keys: string[] = [];
  if (isMap(selector['matchLabels'])) {
    for (const [k, v] of Object.entries(selector['matchLabels'])) {
      matchers.push(`${kubePodLabel(k)}=${q(String(v))}`);
      keys.push(k);
    }
  }
  const expressions = selector['matchExpressions'];
  if (expressions !== undefined && !Array.isArray(expressions)) return undefined;
  for (const e of expressions ?? []) {
    if (!isMap(e) || typeof e['key'] !== 'string') return undefined;
    const label = kubePodLabel(e['key']);
    const values = Array.isArray(e['values']) ? e['values'].map(String) : [];
    const alternatives = q(values.map(regexEscape).join('|'));
    const operator = e['operator'];
    if (operator === 'In' && values.length > 0) matchers.push(`${label}=~${alternatives}`);
    else if (operator === 'NotIn' && values.length > 0) matchers.push(`${label}!~${alternatives}`);
    else if (operator === 'Exists') matchers.push(`${label}!=""`);
    else if (operator === 'DoesNotExist') matchers.push(`${label}=""`);
    else return undefined;
    keys.push(e['key']);
  }
  return matchers.length === 0 ? undefined : { matchers, keys };
}

/** A workload's pods by name: `<deployment>-<replicaset hash>-<5 characters>` and the like. */
function podNamePattern(kind: string, name: string): string {
  const escaped = regexEscape(name);
  const patterns: Record<string, string> = {
    // kubernetes pkg/controller/deployment: pod-template-hash (up to 10) and a 5-character suffix.
    Deployment: `${escaped}-[a-z0-9]{1,10}-[a-z0-9]{5}`,
    StatefulSet: `${escaped}-[0-9]+`,
    ReplicaSet: `${escaped}-[a-z0-9]{5}`,
  };
  return patterns[kind] ?? `${escaped}-.+`;
}

/** The pods of the HPA's scaleTargetRef as the adapter would query them, best offline. */
export function podSelection(
  target: Json,
  workloads: readonly InputObject[],
  namespace: string,
  podLabel: string,
): { byName: PodSelection; bySelector: PodSelection | undefined } {
  const kind = text(target['kind']);
  const name = text(target['name']);
  const pattern = podNamePattern(kind, name);
  const found = workloads.find(
    w => w.kind === kind && w.name === name && w.namespace === namespace,
  );
  const byName: PodSelection = {
    matchers: [`${podLabel}=~${q(pattern)}`],
    filter: undefined,
    note:
      `pods of ${kind} ${namespace}/${name} are matched by name (${podLabel}=~"${pattern}"), an approximation: ` +
      `a workload whose name extends this one (${name}-canary) would match too` +
      (found === undefined
        ? `; pass the ${kind} too and its spec.selector chooses the pods`
        : `; its spec.selector has no matchLabels or an expression migrate does not map`),
  };
  const spec = found !== undefined && isMap(found.body['spec']) ? found.body['spec'] : {};
  const selected = kubePodLabelMatchers(spec['selector']);
  if (selected === undefined) return { byName, bySelector: undefined };
  const labels = `kube_pod_labels{namespace=${q(namespace)},${selected.matchers.join(',')}}`;
  // kube_pod_labels names the pod `pod`; the rule's pod label may be another.
  const filter =
    podLabel === 'pod' ? labels : `label_replace(${labels}, ${q(podLabel)}, "$1", "pod", "(.*)")`;
  return {
    byName,
    bySelector: {
      matchers: [],
      filter,
      note:
        `pods of ${kind} ${namespace}/${name} are chosen by its spec.selector through kube-state-metrics' kube_pod_labels, ` +
        `which must export those labels (--metric-labels-allowlist=pods=[${[...new Set(selected.keys)].join(',')}]); ` +
        `--verify compares the result with the pods matched by name`,
    },
  };
}
