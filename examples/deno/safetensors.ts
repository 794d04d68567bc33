// Writes a small safetensors model, maps it and reads its tensors as typed arrays straight from
// the mapping (one, at an offset its Float32Array cannot start at, is copied, and says so).
// Run: deno run --allow-ffi --allow-read --allow-write examples/deno/safetensors.ts [FILE]   (a .safetensors file of yours instead of the demo)
import { map } from "@memmap/deno";
import { safetensorsExample } from "../formats/safetensors.ts";

safetensorsExample({ map, makeTempDir: () => Deno.makeTempDirSync({ prefix: "memmap-example-" }) });
