// Runs `buf curl` (a Go gRPC client, @bufbuild/buf dev dependency) against a plaintext or TLS target.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BUF = join(__dirname, '../../node_modules/.bin/buf');

export interface BufResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** `buf curl --protocol grpc --http2-prior-knowledge <args>`; a failed call is a result, not a throw. */
export async function bufCurl(args: string[]): Promise<BufResult> {
  return runBuf(['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args]);
}

/** `buf curl --protocol grpc <args>` for an https:// target (--cacert, --cert, --key in args). */
export async function bufCurlTls(args: string[]): Promise<BufResult> {
  return runBuf(['curl', '--protocol', 'grpc', ...args]);
}

async function runBuf(args: string[]): Promise<BufResult> {
  if (!existsSync(BUF))
    throw new Error('buf is missing: run "npm install" (@bufbuild/buf is a dev dependency)');
  try {
    const { stdout, stderr } = await run(BUF, args, { maxBuffer: 16 * 1024 * 1024 });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}
