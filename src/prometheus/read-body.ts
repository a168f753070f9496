// Reading an HTTP response body with a byte limit: past the limit the connection is dropped, so
// an endless or oversized body costs at most `maxBytes` of memory.

/** An undici response body. */
export type ResponseBody = AsyncIterable<Buffer> & { destroy(): unknown };

/** The body as UTF-8 text, or undefined (and the connection dropped) once it passes `maxBytes`. */
export async function readAtMost(
  body: ResponseBody,
  maxBytes: number,
): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
