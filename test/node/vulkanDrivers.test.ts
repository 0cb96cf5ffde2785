import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { containerDriverFiles, type DriverProbe, hardwareAdapterPossible, unusedGpuWarning, vulkanDriverFolders } from '../../src/node/vulkanDrivers.js';

/** A machine whose folders hold `files` (folder → names) and whose files hold `texts` (path → text). */
const machine = (files: Record<string, string[]>, env: NodeJS.ProcessEnv = {}, platform: NodeJS.Platform = 'linux', texts: Record<string, string> = {}): DriverProbe => ({
  env,
  platform,
  home: '/home/u',
  filesIn: (dir) => files[dir] ?? [],
  textOf: (path) => texts[path] ?? null,
});
/** A machine with one DRM card, card0, of PCI vendor `vendor` (as sysfs writes it). */
const drmCard = (vendor: string, files: Record<string, string[]> = {}) =>
  machine({ '/dev/dri': ['by-path', 'card0', 'renderD128'], '/dev': ['dri', 'null'], ...files }, {}, 'linux', { '/sys/class/drm/card0/device/vendor': `${vendor}\n` });

describe('whether the Vulkan loader would find a driver', () => {
  it('searches the folders the loader lists (VK_LOADER_DEBUG=driver), the XDG variables added to their defaults', () => {
    expect(vulkanDriverFolders({}, '/root')).toEqual([
      '/root/.config/vulkan/icd.d',
      '/etc/xdg/vulkan/icd.d',
      '/etc/vulkan/icd.d',
      '/usr/local/etc/vulkan/icd.d',
      '/root/.local/share/vulkan/icd.d',
      '/root/.local/share/flatpak/exports/share/vulkan/icd.d',
      '/var/lib/flatpak/exports/share/vulkan/icd.d',
      '/usr/local/share/vulkan/icd.d',
      '/usr/share/vulkan/icd.d',
      '/run/opengl-driver/share/vulkan/icd.d',
      '/run/opengl-driver-32/share/vulkan/icd.d',
    ]);
    const folders = vulkanDriverFolders({ XDG_DATA_DIRS: '/opt/a/share::/opt/b/share', XDG_CONFIG_HOME: '/cfg' }, '/home/u');
    expect(folders).toContain('/opt/a/share/vulkan/icd.d');
    expect(folders).toContain('/opt/b/share/vulkan/icd.d');
    expect(folders).toContain('/cfg/vulkan/icd.d');
    expect(folders).toContain('/usr/share/vulkan/icd.d');
    expect(folders).not.toContain('/home/u/.config/vulkan/icd.d');
  });

  it('is false only on Linux with no driver variable, no .json manifest in any of them and no container driver', () => {
    expect(hardwareAdapterPossible(machine({}))).toBe(false);
    expect(hardwareAdapterPossible(machine({ '/dev': ['null', 'tty', 'dri-not'] }))).toBe(false);
    // A GPU device without a driver the loader could read: a virtual machine's display adapter,
    // or a GPU whose Vulkan driver is missing. Dawn would fail (and print its warnings).
    expect(hardwareAdapterPossible(drmCard('0x1af4'))).toBe(false);
    expect(hardwareAdapterPossible(drmCard('0x1002'))).toBe(false);
    expect(hardwareAdapterPossible(machine({ '/dev': ['null', 'nvidia0', 'nvidiactl'] }))).toBe(false);
    expect(hardwareAdapterPossible(machine({ '/dev': ['dxg'] }))).toBe(false);
    // With its driver, Dawn is asked; so it is in a GPU container whose driver senn names.
    expect(hardwareAdapterPossible(drmCard('0x1002', { '/usr/share/vulkan/icd.d': ['radeon_icd.x86_64.json'] }))).toBe(true);
    expect(hardwareAdapterPossible(machine({ '/dev': ['nvidia0', 'nvidiactl'], '/usr/local/nvidia/share/vulkan/icd.d': ['nvidia_icd.json'] }))).toBe(true);
    expect(hardwareAdapterPossible(machine({ '/usr/share/vulkan/icd.d': ['README'] }))).toBe(false);
    expect(hardwareAdapterPossible(machine({ '/usr/share/vulkan/icd.d': ['nvidia_icd.json'] }))).toBe(true);
    expect(hardwareAdapterPossible(machine({ '/etc/vulkan/icd.d': ['nvidia_icd.json'] }))).toBe(true);
    expect(hardwareAdapterPossible(machine({ '/home/u/.local/share/vulkan/icd.d': ['lvp_icd.x86_64.json'] }))).toBe(true);
    expect(hardwareAdapterPossible(machine({ '/opt/x/vulkan/icd.d': ['radeon_icd.json'] }, { XDG_DATA_DIRS: '/opt/x' }))).toBe(true);
    for (const name of ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES']) {
      expect(hardwareAdapterPossible(machine({}, { [name]: '/somewhere/icd.json' })), name).toBe(true);
    }
    expect(hardwareAdapterPossible(machine({}, {}, 'darwin'))).toBe(true);
    expect(hardwareAdapterPossible(machine({}, {}, 'win32'))).toBe(true);
  });

  it("names a GPU container's driver that the loader would not find (VK_DRIVER_FILES), and only then", () => {
    const nvidia = { '/dev': ['nvidia0', 'nvidiactl'], '/usr/local/nvidia/share/vulkan/icd.d': ['nvidia_icd.json', 'README'] };
    expect(containerDriverFiles(machine(nvidia))).toBe('/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json');
    // The loader finds a driver itself, or is told which: nothing to name.
    expect(containerDriverFiles(machine({ ...nvidia, '/etc/vulkan/icd.d': ['nvidia_icd.json'] }))).toBeNull();
    expect(containerDriverFiles(machine(nvidia, { VK_DRIVER_FILES: '/x/icd.json' }))).toBeNull();
    expect(containerDriverFiles(machine(nvidia, { VK_ICD_FILENAMES: '/x/icd.json' }))).toBeNull();
    // No GPU device, no manifest there, another system: nothing either.
    expect(containerDriverFiles(machine({ '/usr/local/nvidia/share/vulkan/icd.d': ['nvidia_icd.json'] }))).toBeNull();
    expect(containerDriverFiles(machine({ '/dev': ['nvidia0'] }))).toBeNull();
    expect(containerDriverFiles(machine(nvidia, {}, 'win32'))).toBeNull();
  });

  it('warns of an NVIDIA GPU left unused, naming its devices and the variable that would use it; of nothing else', () => {
    expect(unusedGpuWarning(machine({ '/dev': ['nvidiactl', 'nvidia1', 'nvidia0', 'nvidia-uvm'] }))).toBe(
      'this machine has an NVIDIA GPU (/dev/nvidia0, /dev/nvidia1) but Dawn found no Vulkan driver for it, so senn runs on SwiftShader, ' +
        "in software; set VK_DRIVER_FILES to the driver's manifest (its nvidia_icd.json) to use the GPU",
    );
    // Another maker's GPU, a DRM card of a GPU vendor: Mesa's drivers are named.
    expect(unusedGpuWarning(drmCard('0x1002'))).toBe(
      'this machine has a GPU (/dev/dri/card0, AMD) but Dawn found no Vulkan driver for it, so senn runs on SwiftShader, in software; ' +
        'install its Vulkan driver (on Debian and Ubuntu: apt-get install mesa-vulkan-drivers) or set VK_DRIVER_FILES to its manifest to use the GPU',
    );
    expect(unusedGpuWarning(drmCard('0x8086'))).toContain('(/dev/dri/card0, Intel)');
    // A virtual machine's display adapter is no GPU to train on (QEMU, virtio, VMware, Hyper-V),
    // nor is a card whose vendor cannot be read, nor a control device alone.
    for (const vendor of ['0x1234', '0x1af4', '0x15ad', '0x1414']) expect(unusedGpuWarning(drmCard(vendor)), vendor).toBeNull();
    expect(unusedGpuWarning(machine({ '/dev/dri': ['card0', 'renderD128'], '/dev': ['dri'] }))).toBeNull();
    expect(unusedGpuWarning(machine({ '/dev': ['nvidiactl'] }))).toBeNull();
    expect(unusedGpuWarning(machine({ '/dev': ['nvidia0'] }, {}, 'darwin'))).toBeNull();
  });

  it('senn train, run as a user runs it, prints no warning of a failed driver search', () => {
    const env = { ...process.env };
    for (const name of ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES']) delete env[name];
    const run = spawnSync(process.execPath, ['bin/senn.js', 'train', '--dataset', 'xor', '--epochs', '1', '--train-rows', '200'], { env, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^senn: .+\nsenn: xor train 160 \/ validation 40/);
    // Where no driver is listed (this machine, CI's) Dawn is not asked in vain; where one is, it answers.
    expect(run.stderr).not.toMatch(/vkCreateInstance|Found no drivers|INCOMPATIBLE_DRIVER/);
  });
});
