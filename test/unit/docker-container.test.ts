import { describe, expect, it } from "vitest";
import { LABELS, type RuntimeSpec } from "../../src/provisioning/backend.js";
import {
  containerName,
  containerSpec,
  observedFromLabels,
  SPEC_DIGEST_LABEL,
} from "../../src/provisioning/docker-container.js";
import { engineTimeNano } from "../../src/provisioning/docker-events.js";

const spec: RuntimeSpec = {
  workspaceId: "0b8a4a52-9d0e-4a8e-9a43-5a0f1b3c2d11",
  generation: 3,
  runtime: "claude",
  image: "cp-agent:latest",
  env: { WORKSPACE_JOIN_TOKEN: "t1" },
};

describe("containerName", () => {
  it("is one name per owner, workspace and generation", () => {
    const name = containerName("owner-a", spec.workspaceId, 3);
    expect(name).toMatch(/^cp-[0-9a-f]{8}-0b8a4a52-9d0e-4a8e-9a43-5a0f1b3c2d11-g3$/);
    expect(containerName("owner-a", spec.workspaceId, 3)).toBe(name);
    expect(containerName("owner-b", spec.workspaceId, 3)).not.toBe(name);
    expect(containerName("owner-a", spec.workspaceId, 4)).not.toBe(name);
  });

  it("makes any workspace id a valid name, and two ids that clean up alike stay apart", () => {
    const a = containerName("o", "a/b", 1);
    const b = containerName("o", "a:b", 1);
    for (const name of [a, b, containerName("o", "", 1), containerName("o", "-x", 1)]) {
      expect(name).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
    }
    expect(a).not.toBe(b);
  });
});

describe("containerSpec", () => {
  it("carries the image, command, environment, limits and labels, on the host network by default", () => {
    const options = containerSpec("o", { ...spec, command: ["node", "/a.mjs"], memoryMb: 256, cpus: 1.5 });
    expect(options).toMatchObject({
      Image: "cp-agent:latest",
      Cmd: ["node", "/a.mjs"],
      Env: ["WORKSPACE_JOIN_TOKEN=t1"],
      HostConfig: { NetworkMode: "host", Memory: 256 * 1024 * 1024, NanoCpus: 1_500_000_000 },
      Labels: {
        [LABELS.owner]: "o",
        [LABELS.workspaceId]: spec.workspaceId,
        [LABELS.generation]: "3",
        [LABELS.runtime]: "claude",
      },
    });
    expect(containerSpec("o", spec)).not.toHaveProperty("Cmd");
    expect(containerSpec("o", { ...spec, network: "none" }).HostConfig?.NetworkMode).toBe("none");
  });

  it("digests the spec: the same spec gives the same digest, another join token another", () => {
    const digest = (s: RuntimeSpec) => containerSpec("o", s).Labels?.[SPEC_DIGEST_LABEL];
    expect(digest(spec)).toMatch(/^[0-9a-f]{64}$/);
    expect(digest({ ...spec })).toBe(digest(spec));
    expect(digest({ ...spec, env: { WORKSPACE_JOIN_TOKEN: "t2" } })).not.toBe(digest(spec));
  });

  it("refuses what the engine could not run as meant", () => {
    expect(() => containerSpec("o", { ...spec, image: undefined })).toThrow(/has no image/);
    expect(() => containerSpec("o", { ...spec, generation: -1 })).toThrow(/whole number/);
    expect(() => containerSpec("o", { ...spec, generation: 1.5 })).toThrow(/whole number/);
    expect(() => containerSpec("o", { ...spec, env: { "": "x" } })).toThrow(/cannot be an environment/);
  });
});

describe("observedFromLabels", () => {
  it("reads the workspace and generation, and marks a container with unreadable labels as nobody's", () => {
    const labels = { [LABELS.workspaceId]: "w", [LABELS.generation]: "12" };
    expect(observedFromLabels("id", labels)).toEqual({ ref: "id", workspaceId: "w", generation: 12 });
    expect(observedFromLabels("id", {})).toEqual({ ref: "id", workspaceId: "", generation: -1 });
    for (const generation of ["", "x", "-1", "1.5", "1e3"]) {
      expect(observedFromLabels("id", { ...labels, [LABELS.generation]: generation }).generation).toBe(-1);
    }
  });
});

describe("engineTimeNano", () => {
  it("reads the engine's RFC 3339 time to the nanosecond", () => {
    expect(engineTimeNano("2026-11-27T15:51:51.178991592Z")).toBe(1_795_794_711_178_991_592n);
    expect(engineTimeNano("2026-11-27T15:51:51.5Z")).toBe(1_795_794_711_500_000_000n);
    expect(engineTimeNano("2026-11-27T15:51:51Z")).toBe(1_795_794_711_000_000_000n);
    expect(engineTimeNano("2026-11-27T16:51:51.000000001+01:00")).toBe(1_795_794_711_000_000_001n);
  });
});
