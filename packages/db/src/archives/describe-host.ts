import os from 'node:os';
import type { JsonObject } from '@holomind/core';

/** The software a training state was produced with: runtime, versions, platform. */
export function describeEnvironment(): JsonObject {
  return {
    runtime: 'node',
    nodeVersion: process.versions.node,
    v8Version: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    hostname: os.hostname(),
  };
}

/** The machine a training state was produced on: CPU model and count, memory. */
export function describeHardware(): JsonObject {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryBytes: os.totalmem(),
    endianness: os.endianness(),
  };
}
