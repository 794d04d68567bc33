// Runs Verdaccio on 127.0.0.1 on a port the kernel picks, with the config file named by
// argv[2], and prints "listening <port>" once it accepts connections (verdaccio.ts reads it).
import { runServer } from "verdaccio";

const server = await runServer(process.argv[2]!);
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening ${typeof address === "object" && address ? address.port : ""}`);
});
