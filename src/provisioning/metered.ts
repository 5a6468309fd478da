import { BackendUnavailableError, type RuntimeBackend } from "./backend.js";

export type ActionOutcome = "ok" | "unavailable" | "error";
export type ObserveAction = (action: "start" | "stop" | "list", outcome: ActionOutcome, seconds: number) => void;

/** The same backend, each action's outcome and latency told to `observe` (metrics). */
export function metered(backend: RuntimeBackend, observe: ObserveAction): RuntimeBackend {
  const timed = async <T>(action: "start" | "stop" | "list", run: () => Promise<T>): Promise<T> => {
    const began = performance.now();
    try {
      const result = await run();
      observe(action, "ok", (performance.now() - began) / 1000);
      return result;
    } catch (err) {
      observe(
        action,
        err instanceof BackendUnavailableError ? "unavailable" : "error",
        (performance.now() - began) / 1000,
      );
      throw err;
    }
  };
  return {
    name: backend.name,
    start: (spec) => timed("start", () => backend.start(spec)),
    stop: (ref, opts) => timed("stop", () => backend.stop(ref, opts)),
    list: () => timed("list", () => backend.list()),
    watch: (onExit) => backend.watch(onExit),
    close: () => backend.close(),
  };
}
