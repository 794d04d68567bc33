// A Channel between a parent and a forked child: five pings, five pongs, then close.
// Run: deno run --allow-ffi --allow-read --allow-write --allow-env --allow-run examples/deno/channel-ping.ts
import { Channel, fork, inherited, mapAnonymous } from "@memmap/deno";

const { ring } = inherited();
if (ring) {
  const channel = Channel.attach(ring);
  for (let message; (message = channel.receive()) !== null; ) {
    channel.send(new TextDecoder().decode(message).replace("ping", "pong"));
  }
  channel.close();
} else {
  const memory = mapAnonymous(64 * 1024);
  const channel = Channel.create(memory);
  const child = fork(import.meta.filename!, { share: { ring: memory } });
  for (let i = 1; i <= 5; i++) {
    const started = performance.now();
    channel.send(`ping ${i}`);
    const reply = new TextDecoder().decode(channel.receive(10_000)!);
    console.log(`${reply} (${((performance.now() - started) * 1000).toFixed(0)} µs)`);
  }
  channel.close();
  await child.exited;
  memory.close();
}
