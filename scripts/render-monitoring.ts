// Wraps deploy/monitoring's alert rules and dashboard into the kustomize components' manifests
// and copies them into the Helm chart's files/ (neither kustomize nor Helm reads a file outside
// its own folder): `npm run render:monitoring`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/** deploy/ from the compiled script (dist/scripts) or from ts-jest (scripts). */
const deployDir = [join(__dirname, '..', 'deploy'), join(__dirname, '..', '..', 'deploy')].find(
  dir => existsSync(join(dir, 'monitoring')),
) as string;

const LABELS = {
  'app.kubernetes.io/name': 'keda-prometheus-scaler',
  'app.kubernetes.io/part-of': 'keda',
};

function header(source: string, what: string): string {
  return `# ${what}, generated from deploy/monitoring/${source} by \`npm run render:monitoring\`.\n# Edit that file, not this one; a test fails when the two differ.\n`;
}

/** The PrometheusRule whose spec is exactly alerts.yaml (the Prometheus rule-file format). */
export function prometheusRuleManifest(): string {
  const rules = parse(readFileSync(join(deployDir, 'monitoring', 'alerts.yaml'), 'utf8')) as object;
  const manifest = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'keda-prometheus-scaler', namespace: 'keda', labels: LABELS },
    spec: rules,
  };
  return (
    header('alerts.yaml', "The scaler's alerts for the Prometheus Operator") + stringify(manifest)
  );
}

/** A ConfigMap that Grafana's dashboard sidecar (label grafana_dashboard) loads. */
export function dashboardManifest(): string {
  const json = readFileSync(join(deployDir, 'monitoring', 'dashboard.json'), 'utf8');
  const manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'keda-prometheus-scaler-dashboard',
      namespace: 'keda',
      labels: { ...LABELS, grafana_dashboard: '1' },
    },
    data: { 'keda-prometheus-scaler.json': json },
  };
  return header('dashboard.json', 'The Grafana dashboard') + stringify(manifest, { lineWidth: 0 });
}

/** alerts.yaml for the chart's PrometheusRule (templates/prometheusrule.yaml reads it). */
export function chartAlerts(): string {
  const text = readFileSync(join(deployDir, 'monitoring', 'alerts.yaml'), 'utf8');
  return header('alerts.yaml', "The scaler's alerts for the Helm chart") + text;
}

/** dashboard.json for the chart's dashboard ConfigMap (JSON has no comments: a plain copy). */
export function chartDashboard(): string {
  return readFileSync(join(deployDir, 'monitoring', 'dashboard.json'), 'utf8');
}

export const RENDERED = [
  {
    path: join('components', 'prometheusrule', 'prometheusrule.yaml'),
    render: prometheusRuleManifest,
  },
  { path: join('components', 'dashboard', 'dashboard.yaml'), render: dashboardManifest },
  {
    path: join('..', 'charts', 'keda-prometheus-scaler', 'files', 'alerts.yaml'),
    render: chartAlerts,
  },
  {
    path: join('..', 'charts', 'keda-prometheus-scaler', 'files', 'dashboard.json'),
    render: chartDashboard,
  },
];

export function renderedPath(relative: string): string {
  return join(deployDir, relative);
}

if (require.main === module) {
  for (const { path, render } of RENDERED) writeFileSync(renderedPath(path), render());
}
