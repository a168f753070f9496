// Renders deploy/ the way a user's overlay does (the base, some components, extra kustomization
// lines and files), with `kubectl kustomize`; stderr must be empty (no deprecated fields).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Manifest } from './kubernetes-schemas';
import { requireBinary } from './prometheus';

export const DEPLOY = join(__dirname, '../../deploy');
const COMPONENTS = ['servicemonitor', 'prometheusrule', 'dashboard', 'mtls', 'webhook'] as const;
export type Component = (typeof COMPONENTS)[number];

export const kubectlBinary = (): string =>
  requireBinary(
    'kubectl',
    'install kubectl with kustomize v5 (Debian 12 kubernetes-client 1.20 is too old for components)',
  );

export function docsOf(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map(d => d.toJSON() as Manifest)
    .filter(d => d !== null);
}

/** `kubectl kustomize dir`; throws with kubectl's stderr on a failure or a warning. */
export function kustomize(dir: string): Manifest[] {
  const result = spawnSync(kubectlBinary(), ['kustomize', dir], { encoding: 'utf8' });
  if (result.status !== 0 || result.stderr !== '') {
    throw new Error(`kubectl kustomize ${dir}: exit ${result.status}: ${result.stderr}`);
  }
  return docsOf(result.stdout);
}

/** Every subset of the components, the empty one first. */
export function componentSubsets(): Component[][] {
  const subsets: Component[][] = [];
  for (let mask = 0; mask < 1 << COMPONENTS.length; mask++) {
    subsets.push(COMPONENTS.filter((_c, i) => (mask & (1 << i)) !== 0));
  }
  return subsets;
}

export interface Overlay {
  components: readonly Component[];
  /** Lines appended to the overlay's kustomization.yaml (a configMapGenerator, labels, patches). */
  kustomization?: string;
  /** Files written next to it (name → content). */
  files?: Record<string, string>;
}

/**
 * A user's overlay in `dir` (created): the base plus these components, as docs/install.md tells.
 * The webhook component is copied with a token file, which the user writes before adding it.
 */
export function renderOverlay(dir: string, overlay: Overlay): Manifest[] {
  mkdirSync(dir, { recursive: true });
  cpSync(join(DEPLOY, 'components/webhook'), join(dir, 'webhook'), { recursive: true });
  writeFileSync(join(dir, 'webhook/alertmanager-webhook-token'), 'test-token\n');
  for (const [name, content] of Object.entries(overlay.files ?? {})) {
    writeFileSync(join(dir, name), content);
  }
  const up = relative(dir, DEPLOY);
  const lines = overlay.components.map(
    c => `  - ${c === 'webhook' ? 'webhook' : `${up}/components/${c}`}`,
  );
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${up}/base\n` +
      (lines.length > 0 ? `components:\n${lines.join('\n')}\n` : '') +
      (overlay.kustomization ?? ''),
  );
  return kustomize(dir);
}
