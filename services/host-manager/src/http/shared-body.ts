// A body many readers are sent alike (a page of the host list, the status page), built
// once per fleet snapshot and kept as one Buffer. A reader that reads slowly must not hold
// a copy of it: a string would be encoded into a copy per response, and TLS encrypts
// whatever is written at once, into the socket's own buffer, until the reader takes it.
// So a large body goes out in slices of the shared Buffer, each written only once the
// socket has taken the one before (a stream's backpressure): a stalled reader holds about
// one slice, and the connection's idle timeout then closes it (server.ts).
import { Readable } from "node:stream";
import type { FastifyReply } from "fastify";

/** Written at a time: Node's stream buffers default to 16 KiB; TLS records are 16 KiB. */
export const SLICE_BYTES = 64 * 1024;

function* slices(body: Buffer): Generator<Buffer> {
  for (let at = 0; at < body.length; at += SLICE_BYTES) {
    yield body.subarray(at, at + SLICE_BYTES);
  }
}

/** Sends `body` (its headers set by the caller), sliced when larger than one slice. */
export function sendShared(reply: FastifyReply, body: Buffer): FastifyReply {
  if (body.length <= SLICE_BYTES) return reply.send(body);
  return reply
    .header("content-length", body.length)
    .send(Readable.from(slices(body), { objectMode: false, highWaterMark: SLICE_BYTES }));
}
