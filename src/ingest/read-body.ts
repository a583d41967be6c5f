import type { IncomingMessage } from 'node:http';
import { IngestError } from './ingest-error.js';

/**
 * Reads a request body of at most `maxBytes`. A larger one is refused as soon as its
 * Content-Length says so, or as soon as that many bytes arrived, so a huge body never sits
 * in memory.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new IngestError('body_too_large', `the body is larger than ${maxBytes} bytes`, [
      `the ingest accepts bodies of at most ${maxBytes} bytes`,
    ]);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        // Keep reading (and dropping) so the 413 reaches a client that is still sending.
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (error) => {
      if (done) return;
      done = true;
      reject(error);
    });
  });
}
