// A Channel between a parent and a forked child: five pings, five pongs, then close.
// Run: node examples/node/channel-ping.ts
import { fileURLToPath } from "node:url";
import { Channel, fork, inherited, mapAnonymous } from "@memmap/node";

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
  const child = fork(fileURLToPath(import.meta.url), { share: { ring: memory } });
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
