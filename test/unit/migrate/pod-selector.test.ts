// The pods of an HPA's Pods metric: the workload's selector through kube_pod_labels when the
// workload is given and its selector maps, else a pod-name pattern reported as an approximation.
import { readObjects } from '../../../src/migrate/manifests';
import { kubePodLabel, podSelection } from '../../../src/migrate/pod-selector';

const target = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' };
const statefulSet = (selector: string) =>
  readObjects(
    `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  selector: ${selector}
`,
    'db.yaml',
  );

describe('pods of an HPA target', () => {
  test('matchLabels and matchExpressions become kube_pod_labels matchers', () => {
    const { bySelector } = podSelection(
      target,
      statefulSet(`
    matchLabels: {app.kubernetes.io/name: db}
    matchExpressions:
      - {key: tier, operator: In, values: [primary, replica]}
      - {key: canary, operator: DoesNotExist}
      - {key: track, operator: NotIn, values: [v1.2]}
      - {key: zone, operator: Exists}`),
      'data',
      'pod',
    );
    expect(bySelector?.filter).toBe(
      'kube_pod_labels{namespace="data",label_app_kubernetes_io_name="db",label_tier=~"primary|replica",label_canary="",label_track!~"v1\\\\.2",label_zone!=""}',
    );
    expect(bySelector?.note).toContain(
      '--metric-labels-allowlist=pods=[app.kubernetes.io/name,tier,canary,track,zone]',
    );
  });

  test('a rule whose pod label is not `pod` gets kube_pod_labels relabelled to it', () => {
    const { bySelector } = podSelection(
      target,
      statefulSet('{matchLabels: {app: db}}'),
      'data',
      'kubernetes_pod_name',
    );
    expect(bySelector?.filter).toBe(
      'label_replace(kube_pod_labels{namespace="data",label_app="db"}, "kubernetes_pod_name", "$1", "pod", "(.*)")',
    );
  });

  test.each([
    ['the workload is not in the input', [], 'pass the StatefulSet too'],
    [
      'an operator migrate does not map',
      statefulSet('{matchExpressions: [{key: a, operator: Gt, values: ["1"]}]}'),
      'an expression migrate does not map',
    ],
    ['no selector at all', statefulSet('{}'), 'an expression migrate does not map'],
  ])('%s: pods by name, an approximation', (_name, workloads, why) => {
    const { byName, bySelector } = podSelection(target, workloads, 'data', 'pod');
    expect(bySelector).toBeUndefined();
    expect(byName.matchers).toEqual(['pod=~"db-[0-9]+"']);
    expect(byName.note).toContain('an approximation');
    expect(byName.note).toContain(why);
  });

  test('label names as kube-state-metrics sanitizes them', () => {
    expect(kubePodLabel('app.kubernetes.io/part-of')).toBe('label_app_kubernetes_io_part_of');
  });
});
