import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("DOCKER_HOST", () => {
  it("defaults to the local socket", () => {
    expect(loadConfig({}).dockerHost).toBe("unix:///var/run/docker.sock");
  });

  it("takes a unix socket path or a TCP host and port", () => {
    expect(loadConfig({ DOCKER_HOST: "unix:///run/user/1000/docker.sock" }).dockerHost).toBe(
      "unix:///run/user/1000/docker.sock",
    );
    expect(loadConfig({ DOCKER_HOST: "tcp://10.0.0.5:2375" }).dockerHost).toBe("tcp://10.0.0.5:2375");
  });

  it.each(["/var/run/docker.sock", "unix://relative.sock", "tcp://10.0.0.5", "http://10.0.0.5:2375", "ssh://me@host"])(
    "refuses %s, naming the variable",
    (value) => {
      expect(() => loadConfig({ DOCKER_HOST: value })).toThrow(ConfigError);
      expect(() => loadConfig({ DOCKER_HOST: value })).toThrow(/DOCKER_HOST: must be unix:\/\/\/path/);
    },
  );
});
