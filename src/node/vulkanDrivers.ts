// Where a Linux machine's GPU drivers are, told from the files the Vulkan loader would read and
// the GPU devices the kernel offers: so that a machine without any Vulkan driver (no GPU, or a
// virtual machine's display adapter) goes straight to SwiftShader instead of through Dawn's
// failed attempt (which prints "vkCreateInstance: Found no drivers!" and a stack line on
// standard error before every command), a GPU container's driver outside the loader's folders
// is named for it, and a GPU left unused for want of a driver is said.
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Variables that name Vulkan driver manifests themselves; any of them set, the loader reads those. */
const DRIVER_VARIABLES = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES'] as const;

/**
 * The folders the Linux Vulkan loader searches for driver manifests (`VK_LOADER_DEBUG=driver`
 * lists them): the XDG configuration and data folders, each with `vulkan/icd.d`, and `/etc`.
 * The defaults are listed even where an XDG variable replaces them, and so are Flatpak's
 * exports and NixOS's driver folder, so a driver is never missed: listing a folder too many
 * only costs the old attempt.
 */
export function vulkanDriverFolders(env: NodeJS.ProcessEnv, home: string): string[] {
  const list = (value: string | undefined) => (value ?? '').split(':').filter((dir) => dir !== '');
  const bases = [
    env.XDG_CONFIG_HOME || join(home, '.config'),
    ...list(env.XDG_CONFIG_DIRS),
    '/etc/xdg',
    '/etc',
    '/usr/local/etc',
    env.XDG_DATA_HOME || join(home, '.local/share'),
    join(home, '.local/share/flatpak/exports/share'),
    '/var/lib/flatpak/exports/share',
    ...list(env.XDG_DATA_DIRS),
    '/usr/local/share',
    '/usr/share',
    '/run/opengl-driver/share',
    '/run/opengl-driver-32/share',
  ];
  return [...new Set(bases.map((base) => join(base, 'vulkan/icd.d')))];
}

/** How {@link hardwareAdapterPossible} looks at the machine (a test gives its own). */
export interface DriverProbe {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
  /** The names of the files in `dir`; none where it does not exist or cannot be read. */
  filesIn(dir: string): string[];
  /** The text of the file at `path`; null where it does not exist or cannot be read. */
  textOf(path: string): string | null;
}

const thisMachine = (): DriverProbe => ({
  env: process.env,
  platform: process.platform,
  home: homedir(),
  filesIn(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
  textOf(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  },
});

/** Whether the kernel offers a GPU: a DRM render or card node, an NVIDIA device, WSL's GPU. */
function gpuDevices(probe: DriverProbe): boolean {
  return probe.filesIn('/dev/dri').length > 0 || probe.filesIn('/dev').some((name) => name.startsWith('nvidia') || name === 'dxg');
}

/** Whether the Vulkan loader has a driver to load: one named by a variable, or a manifest in its folders. */
function loaderFindsDriver(probe: DriverProbe): boolean {
  if (DRIVER_VARIABLES.some((name) => probe.env[name])) return true;
  return vulkanDriverFolders(probe.env, probe.home).some((dir) => probe.filesIn(dir).some((name) => name.endsWith('.json')));
}

/**
 * Where GPU containers put the vendor's Vulkan manifest outside the loader's folders (the
 * NVIDIA container runtime's `/usr/local/nvidia`): the loader reads it only when
 * `VK_DRIVER_FILES` names it.
 */
export const CONTAINER_DRIVER_FOLDERS = ['/usr/local/nvidia/share/vulkan/icd.d'];

/**
 * Both answers of the machine's drivers from one look at them (a runtime needs both, and each
 * lists the loader's folders): {@link hardwareAdapterPossible} and {@link containerDriverFiles}.
 */
export function driverSearch(probe: DriverProbe = thisMachine()): { hardwarePossible: boolean; containerFiles: string | null } {
  if (probe.platform !== 'linux' || loaderFindsDriver(probe)) return { hardwarePossible: true, containerFiles: null };
  const found = gpuDevices(probe)
    ? CONTAINER_DRIVER_FOLDERS.flatMap((dir) => probe.filesIn(dir).filter((name) => name.endsWith('.json')).map((name) => join(dir, name)))
    : [];
  const containerFiles = found.length ? found.join(':') : null;
  return { hardwarePossible: containerFiles !== null, containerFiles };
}

/**
 * False only where Dawn cannot find a hardware adapter: on Linux, with no driver variable set,
 * no `.json` manifest in any folder the Vulkan loader searches and no GPU container's driver
 * to name ({@link containerDriverFiles}). The loader reads no driver but through a manifest,
 * so a GPU device without one (a virtual machine's display adapter, or a GPU whose Vulkan
 * driver is not installed) has none to offer. Everywhere else (macOS and Windows, whose Dawn
 * backends are Metal and Direct3D) true.
 */
export function hardwareAdapterPossible(probe: DriverProbe = thisMachine()): boolean {
  return driverSearch(probe).hardwarePossible;
}

/**
 * The `VK_DRIVER_FILES` value that lets the loader find a container's GPU driver, or null: on
 * Linux, with a GPU device but no driver the loader would find itself, the manifests in
 * {@link CONTAINER_DRIVER_FOLDERS}. Without it such a machine would train on SwiftShader though
 * it has a GPU.
 */
export function containerDriverFiles(probe: DriverProbe = thisMachine()): string | null {
  return driverSearch(probe).containerFiles;
}

/**
 * The makers of GPUs worth training on, by PCI vendor id (`/sys/class/drm/cardN/device/vendor`).
 * Virtual machines' display adapters (QEMU's 0x1234, virtio's 0x1af4, VMware's 0x15ad,
 * VirtualBox's 0x80ee, Hyper-V's 0x1414, …) are not among them.
 */
export const GPU_VENDORS: Readonly<Record<string, string>> = {
  '0x1002': 'AMD',
  '0x8086': 'Intel',
  '0x10de': 'NVIDIA',
  '0x13b5': 'Arm',
  '0x5143': 'Qualcomm',
  '0x1010': 'Imagination',
};

/** The DRM cards (`/dev/dri/cardN`) whose PCI vendor makes GPUs, with its name. */
function gpuCards(probe: DriverProbe): { device: string; vendor: string }[] {
  return probe
    .filesIn('/dev/dri')
    .filter((name) => /^card\d+$/.test(name))
    .sort()
    .flatMap((card) => {
      const vendor = GPU_VENDORS[(probe.textOf(`/sys/class/drm/${card}/device/vendor`) ?? '').trim().toLowerCase()];
      return vendor ? [{ device: `/dev/dri/${card}`, vendor }] : [];
    });
}

/**
 * What to tell a user whose GPU Dawn found no Vulkan driver for, or null: training would
 * otherwise go on in software without a word beyond the adapter's name. An NVIDIA GPU (a
 * `/dev/nvidiaN` device, as NVIDIA's driver makes them) is named with the variable that points
 * the loader at its manifest; another maker's (a DRM card of a GPU vendor, {@link GPU_VENDORS})
 * with Mesa's drivers.
 */
export function unusedGpuWarning(probe: DriverProbe = thisMachine()): string | null {
  if (probe.platform !== 'linux') return null;
  const nvidia = probe.filesIn('/dev').filter((name) => /^nvidia\d+$/.test(name)).sort();
  if (nvidia.length) {
    return (
      `this machine has an NVIDIA GPU (${nvidia.map((name) => `/dev/${name}`).join(', ')}) but Dawn found no Vulkan driver for it, ` +
      'so senn runs on SwiftShader, in software; set VK_DRIVER_FILES to the driver\'s manifest (its nvidia_icd.json) to use the GPU'
    );
  }
  const cards = gpuCards(probe);
  if (!cards.length) return null;
  return (
    `this machine has a GPU (${cards.map((c) => `${c.device}, ${c.vendor}`).join('; ')}) but Dawn found no Vulkan driver for it, ` +
    'so senn runs on SwiftShader, in software; install its Vulkan driver (on Debian and Ubuntu: apt-get install mesa-vulkan-drivers) ' +
    'or set VK_DRIVER_FILES to its manifest to use the GPU'
  );
}
