import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Vulkan drivers that run on the CPU: a WebGPU adapter on them trains slower than wasm.
const SOFTWARE_DRIVER = /lvp|lavapipe|llvmpipe|swiftshader|swrast/i;

/** The driver manifests (ICD JSON files) the Vulkan loader would read, from its env variables or its default folders. */
function vulkanDriverManifests(): string[] {
  const fromEnv = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  const added = process.env.VK_ADD_DRIVER_FILES;
  const dataHome = process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local/share');
  const defaults = [
    '/etc/vulkan/icd.d',
    '/usr/local/share/vulkan/icd.d',
    '/usr/share/vulkan/icd.d',
    path.join(dataHome, 'vulkan/icd.d'),
  ];
  const entries = [...(fromEnv ? fromEnv.split(':') : defaults), ...(added ? added.split(':') : [])].filter(Boolean);
  return entries.flatMap((entry) => {
    try {
      if (!statSync(entry).isDirectory()) return [entry];
      return readdirSync(entry)
        .filter((name) => name.endsWith('.json'))
        .map((name) => path.join(entry, name));
    } catch {
      return [];
    }
  });
}

function isSoftwareDriver(manifest: string): boolean {
  try {
    const library = (JSON.parse(readFileSync(manifest, 'utf8')) as { ICD?: { library_path?: string } }).ICD?.library_path ?? '';
    return SOFTWARE_DRIVER.test(`${path.basename(manifest)} ${library}`);
  } catch {
    return false; // unreadable: let Dawn decide
  }
}

/**
 * Whether `--backend auto` should probe WebGPU at all. On Linux, Dawn runs on Vulkan: without a
 * hardware Vulkan driver it finds no adapter or only a software one (which `auto` passes over
 * anyway), and prints Vulkan warnings on the way. So `auto` probes only when a hardware driver is
 * installed; elsewhere (Metal, D3D12) it always probes. An explicit `--backend webgpu` always loads Dawn.
 */
export function worthProbingWebGpu(): boolean {
  if (process.platform !== 'linux') return true;
  return vulkanDriverManifests().some((manifest) => !isSoftwareDriver(manifest));
}
