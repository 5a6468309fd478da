import { buildApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { RegistryError } from "./registry/registry.js";

async function main() {
  // The environment is validated before anything is opened, so a bad value is
  // reported as such even when the database is unreachable.
  const config = loadConfig();
  const app = await buildApp(config);
  await app.start();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ msg: "stopping", signal, graceSeconds: config.shutdownGraceSeconds });
    // Whatever the clients or the database do, the process is gone within the grace period plus 2 s.
    setTimeout(
      () => {
        app.log.error({ msg: "shutdown overran its grace period; exiting" });
        app.log.flushSync();
        process.exit(1);
      },
      config.shutdownGraceSeconds * 1000 + 1_500,
    ).unref();
    // Lines are written asynchronously (src/log.ts): every one is out before the process goes.
    const exit = (code: number) => app.log.flush().then(() => process.exit(code));
    app.stop().then(
      () => {
        app.log.info({ msg: "stopped", signal });
        return exit(0);
      },
      (err: Error) => {
        app.log.error({ msg: "stop failed", err });
        return exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err: Error) => {
  if (err instanceof ConfigError || err instanceof RegistryError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`Start-up failed: ${err.message}\n`);
  }
  process.exit(1);
});
