// The echoing end of a Channel round trip, shared by bench/ipc.ts's children and
// bench/channel-floor.mjs's: plain JS, so every runtime runs it as is.

/**
 * Sends every message on `channel` back until the peer closes, then closes its end. Each is
 * taken with receiveInto a reused array (no allocation per message: C's peer copies into a
 * fixed buffer too), or with `allocate`, with receive(), which makes an array per message.
 */
export function echo(channel, allocate = false) {
  if (allocate) {
    for (let message = channel.receive(); message !== null; message = channel.receive()) channel.send(message);
  } else {
    const into = new Uint8Array(channel.maxMessage);
    let reply = into.subarray(0, 0);
    for (let n = channel.receiveInto(into); n !== null; n = channel.receiveInto(into)) {
      if (n !== reply.length) reply = into.subarray(0, n);
      channel.send(reply);
    }
  }
  channel.close();
}
