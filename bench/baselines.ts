// The two baselines the service is compared with, each run as its own process
// (as the service is), so every server measured has a core of its own and the
// load generator the other:
//   bare   a node:http server answering a fixed JSON body: the machine's limit;
//   yoga   graphql-yoga with its defaults answering `{ hello }`: the stack's.
// Started by bench/run.ts as `tsx bench/baselines.ts bare|yoga`; prints the
// port it listens on.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createSchema, createYoga } from "graphql-yoga";

const kind = process.argv[2];
const body = JSON.stringify({ data: { hello: "world" } });
const bare = (_req: unknown, res: import("node:http").ServerResponse) => {
  res.writeHead(200, { "content-type": "application/json" }).end(body);
};
const yoga = createYoga({
  schema: createSchema({ typeDefs: "type Query { hello: String }", resolvers: { Query: { hello: () => "world" } } }),
  logging: false,
});

if (kind !== "bare" && kind !== "yoga") {
  process.stderr.write("usage: baselines.ts bare|yoga\n");
  process.exit(2);
}
const server = createServer(kind === "bare" ? bare : yoga);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
