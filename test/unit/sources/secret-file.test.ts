// Secret files are re-read after they change, and at most once per second otherwise.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretFile } from '../../../src/sources/secret-file';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kps-secret-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('reads trimmed content, and the new content after a rotation', () => {
  let now = 0;
  const path = join(dir, 'token');
  writeFileSync(path, 'first\n');
  const secret = new SecretFile(path, () => now);
  expect(secret.read()).toBe('first');

  // Kubernetes rotates by atomically replacing the file behind the path.
  writeFileSync(join(dir, 'next'), 'second-token\n');
  renameSync(join(dir, 'next'), path);
  expect(secret.read()).toBe('first');
  now += 1000;
  expect(secret.readWithChange()).toEqual({ content: 'second-token', changed: true });
  now += 1000;
  expect(secret.readWithChange()).toEqual({ content: 'second-token', changed: false });
});

test('a missing file throws naming the path, never content', () => {
  const secret = new SecretFile(join(dir, 'absent'));
  expect(() => secret.read()).toThrow(/absent/);
});
