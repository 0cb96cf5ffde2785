import { type ArrayInfo, type FunctionInfo, ResourceType, type StructInfo, type TypeInfo, WgslReflect, type VariableInfo } from 'wgsl_reflect';
import { describe } from '../args.js';
import { ConfigError, ShaderCompileError, ShapeError } from '../errors.js';
import { boundBytes } from './bounds.js';
import type { GpuContext } from '../gpu/context.js';

/** Which shader and entry point to run, with its pipeline-overridable constants. */
export interface KernelSpec {
  /** File name shown in errors, e.g. `shaders/dense.wgsl`. */
  file: string;
  /** The WGSL text. */
  source: string;
  /** Shared WGSL prepended to `source` (compile errors in it name its own file). */
  prelude?: { file: string; source: string };
  entryPoint: string;
  /** Values for `override` declarations (booleans as true/false). */
  constants?: Record<string, number | boolean>;
  /** Bind the (single) uniform buffer with a dynamic offset, one slot per dispatch. */
  dynamicUniform?: boolean;
}

/** A binding of the entry point, as found by reflecting its WGSL. */
export interface BindingInfo {
  name: string;
  binding: number;
  kind: 'uniform' | 'storage' | 'read-only-storage';
  /**
   * The fewest bytes a buffer bound here may hold: its WGSL type's size, or with a runtime-sized
   * array (alone or ending a struct) that size with one element, as WebGPU counts it.
   */
  minBytes: number;
}

/** Offset and scalar type of one member of a kernel's uniform struct. */
export interface UniformField {
  offset: number;
  type: 'u32' | 'i32' | 'f32';
}

/** Byte layout of a kernel's uniform struct, read from the WGSL (never kept by hand). */
export interface UniformLayout {
  /** Size in bytes, rounded up to 16 as uniform buffers require. */
  size: number;
  fields: ReadonlyMap<string, UniformField>;
}

/** A resource for one binding: a whole buffer or a range of one. */
export type BindingResource = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

/** Uniform slot stride for dynamic offsets; WebGPU's minUniformBufferOffsetAlignment is at most 256. */
export const UNIFORM_SLOT = 256;

const reflections = new Map<string, WgslReflect>();

/** The code compiled for `spec`: prelude (if any), then the family's source. */
export function fullSource(spec: KernelSpec): string {
  return spec.prelude ? `${spec.prelude.source}\n${spec.source}` : spec.source;
}

function reflectSource(file: string, source: string): WgslReflect {
  let reflected = reflections.get(source);
  if (!reflected) {
    try {
      reflected = new WgslReflect(source);
    } catch (error) {
      throw new ShaderCompileError(`${file}: WGSL could not be parsed: ${(error as Error).message}`, file, 0);
    }
    reflections.set(source, reflected);
  }
  return reflected;
}

function bindingKind(resource: VariableInfo): BindingInfo['kind'] {
  if (resource.resourceType === ResourceType.Uniform) return 'uniform';
  if (resource.resourceType === ResourceType.Storage) return resource.access === 'read' ? 'read-only-storage' : 'storage';
  throw new ConfigError(`binding "${resource.name}" is a ${ResourceType[resource.resourceType]}; senn kernels use buffers only`);
}

/** See {@link BindingInfo.minBytes}. */
function leastBytes(type: TypeInfo): number {
  if (type.isArray) {
    const array = type as ArrayInfo;
    return array.count > 0 ? array.size : array.stride;
  }
  if (type.isStruct) {
    const struct = type as StructInfo;
    const last = struct.members[struct.members.length - 1];
    if (!last?.isArray || last.count > 0) return struct.size;
    return Math.ceil((last.offset + last.stride) / struct.align) * struct.align;
  }
  return type.size;
}

function uniformLayout(resource: VariableInfo): UniformLayout {
  const fields = new Map<string, UniformField>();
  for (const member of resource.members ?? []) {
    const type = member.type.name;
    if (type !== 'u32' && type !== 'i32' && type !== 'f32') {
      throw new ConfigError(`uniform member "${member.name}" has type ${type}; only u32, i32 and f32 are supported`);
    }
    fields.set(member.name, { offset: member.offset, type });
  }
  return { size: Math.ceil(resource.size / 16) * 16, fields };
}

/**
 * The width of the elementwise kernels' workgroups (`override WIDTH` in their WGSL, 256 by
 * default): 256 invocations where the device allows it, as many as it allows otherwise (a
 * compatibility-mode device's default is 128). Fewer per workgroup cost more on a software
 * adapter (Adam over a grown MNIST network's parameters: 0.23 ms with 256, 0.30–0.32 with 128).
 */
export function wideWorkgroup(limits: Pick<GPUSupportedLimits, 'maxComputeInvocationsPerWorkgroup' | 'maxComputeWorkgroupSizeX'>): number {
  return Math.min(256, limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
}

/** An entry point's `@workgroup_size` terms as written: numbers, or the names of overrides. */
function sizeTerms(entry: FunctionInfo | undefined): string[] {
  const value = entry?.attributes?.find((a) => a.name === 'workgroup_size')?.value;
  return Array.isArray(value) ? value : [];
}

/**
 * An entry point's workgroup size, a dimension named by an override (`WIDTH`, matmul's `WG_X`)
 * taking its value from `constants` where they give one (wgsl_reflect reports the defaults).
 */
export function workgroupSizeOf(entry: FunctionInfo, constants: KernelSpec['constants'] = {}): [number, number, number] {
  const terms = sizeTerms(entry);
  const size = entry.workgroupSize ?? [1, 1, 1];
  const dimension = (i: number) => {
    const term = terms[i];
    const given = term === undefined ? undefined : constants[term];
    return given === undefined ? (size[i] ?? 1) : Number(given);
  };
  return [dimension(0), dimension(1), dimension(2)];
}

/** `spec`'s entry point in its reflected WGSL; a ConfigError where the source has none. */
function computeEntry(spec: KernelSpec, reflected: WgslReflect): FunctionInfo {
  const entry = reflected.entry.compute.find((f) => f.name === spec.entryPoint);
  if (!entry) throw new ConfigError(`${spec.file} has no compute entry point "${spec.entryPoint}"`);
  return entry;
}

/**
 * The workgroup size of `spec`'s entry point, read from its WGSL by reflection without compiling
 * it: for sizing a grid before the kernel is built (whether a batch fits the adapter's limits).
 */
export function reflectedWorkgroupSize(spec: KernelSpec): [number, number, number] {
  return workgroupSizeOf(computeEntry(spec, reflectSource(spec.file, fullSource(spec))), spec.constants);
}

/**
 * A compiled compute pipeline whose bind-group layout and uniform layout come from
 * reflecting its WGSL with wgsl_reflect, so the TypeScript side cannot drift from the
 * shader. Obtain kernels from {@link KernelCache}.
 */
export class Kernel {
  readonly bindings: readonly BindingInfo[];
  readonly uniform: UniformLayout | null;
  readonly workgroupSize: readonly [number, number, number];

  constructor(
    readonly spec: KernelSpec,
    private readonly device: GPUDevice,
    readonly layout: GPUBindGroupLayout,
    readonly pipeline: GPUComputePipeline,
    reflected: WgslReflect,
  ) {
    const entry = computeEntry(spec, reflected);
    this.bindings = Kernel.bindingsOf(spec, reflected);
    const uniform = entry.resources.find((r) => r.resourceType === ResourceType.Uniform);
    this.uniform = uniform ? uniformLayout(uniform) : null;
    this.workgroupSize = workgroupSizeOf(entry, spec.constants);
  }

  /** Bindings used by the entry point (group 0 only), sorted by binding number. */
  static bindingsOf(spec: KernelSpec, reflected: WgslReflect): BindingInfo[] {
    const found = computeEntry(spec, reflected).resources.filter((r) => r.resourceType === ResourceType.Uniform || r.resourceType === ResourceType.Storage);
    for (const r of found) {
      if (r.group !== 0) throw new ConfigError(`${spec.file}: binding "${r.name}" is in group ${r.group}; senn kernels use group 0`);
    }
    const unique = new Map(found.map((r) => [r.binding, r]));
    return [...unique.values()]
      .sort((a, b) => a.binding - b.binding)
      .map((r) => ({ name: r.name, binding: r.binding, kind: bindingKind(r), minBytes: leastBytes(r.type) }));
  }

  /** Make a bind group from resources named as in the WGSL. Missing or unknown names throw. */
  bindGroup(resources: Record<string, BindingResource>, label = this.spec.entryPoint): GPUBindGroup {
    const known = new Set(this.bindings.map((b) => b.name));
    for (const name of Object.keys(resources)) {
      if (!known.has(name)) {
        throw new ConfigError(`${this.spec.file}:${this.spec.entryPoint} has no binding "${name}" (it has ${[...known].join(', ')})`);
      }
    }
    const entries: GPUBindGroupEntry[] = this.bindings.map((b) => {
      const resource = resources[b.name];
      if (!resource) throw new ConfigError(`${this.spec.file}:${this.spec.entryPoint} needs binding "${b.name}"`);
      const range = 'buffer' in resource ? resource : { buffer: resource };
      const dynamic = b.kind === 'uniform' && this.spec.dynamicUniform;
      // WebGPU would say so only in a validation error after the fact, for the whole command buffer.
      if (!dynamic && boundBytes(range) < b.minBytes) {
        throw new ShapeError(`${this.spec.file}:${this.spec.entryPoint}: binding "${b.name}" binds ${boundBytes(range)} bytes, fewer than the ${b.minBytes} its WGSL type needs`);
      }
      return {
        binding: b.binding,
        resource: dynamic ? { buffer: range.buffer, offset: range.offset ?? 0, size: this.uniform?.size } : range,
      };
    });
    return this.device.createBindGroup({ label, layout: this.layout, entries });
  }

  /** Pack uniform values by member name into a buffer laid out as the WGSL struct. */
  packUniform(values: Record<string, number>): ArrayBuffer {
    const layout = this.uniform;
    if (!layout) throw new ConfigError(`${this.spec.file}:${this.spec.entryPoint} has no uniform buffer`);
    const bytes = new ArrayBuffer(layout.size);
    const view = new DataView(bytes);
    for (const [name, value] of Object.entries(values)) {
      const field = layout.fields.get(name);
      if (!field) throw new ConfigError(`${this.spec.file}:${this.spec.entryPoint} uniform has no member "${name}"`);
      if (field.type === 'f32') view.setFloat32(field.offset, value, true);
      else if (field.type === 'u32') view.setUint32(field.offset, value, true);
      else view.setInt32(field.offset, value, true);
    }
    return bytes;
  }

  /** Workgroup counts covering `invocations` along x, folding into y past the per-dimension limit. */
  groupsFor1D(invocations: number, maxPerDimension = 65535): [number, number, number] {
    const groups = Math.max(1, Math.ceil(invocations / this.workgroupSize[0]));
    if (groups <= maxPerDimension) return [groups, 1, 1];
    const y = Math.ceil(groups / maxPerDimension);
    return [Math.ceil(groups / y), y, 1];
  }
}

/**
 * `spec` with `WIDTH` set to the device's {@link wideWorkgroup} where its entry point's workgroup
 * size names that override and the spec gives it no value.
 */
function withWidth(spec: KernelSpec, reflected: WgslReflect, limits: GPUSupportedLimits): KernelSpec {
  const entry = reflected.entry.compute.find((f) => f.name === spec.entryPoint);
  if (!sizeTerms(entry).includes('WIDTH') || spec.constants?.WIDTH !== undefined) return spec;
  return { ...spec, constants: { ...spec.constants, WIDTH: wideWorkgroup(limits) } };
}

/** Compiles kernels once per (shader, entry point, constants) and hands out the cached ones. */
export class KernelCache {
  private readonly kernels = new Map<string, Promise<Kernel>>();
  private readonly modules = new Map<string, Promise<GPUShaderModule>>();
  /** A small id per distinct WGSL text, so cache keys do not embed whole sources. */
  private readonly sourceIds = new Map<string, number>();

  constructor(private readonly gpu: GpuContext) {}

  /** Whether the adapter is a software one (SwiftShader): launch shapes are tuned per kind. */
  get software(): boolean {
    return this.gpu.adapter.isFallback;
  }

  /** The kernel for `spec`, compiled on first use. */
  get(spec: KernelSpec): Promise<Kernel> {
    const code = fullSource(spec);
    let sourceId = this.sourceIds.get(code);
    if (sourceId === undefined) this.sourceIds.set(code, (sourceId = this.sourceIds.size));
    const key = JSON.stringify([spec.file, spec.entryPoint, spec.constants ?? {}, spec.dynamicUniform ?? false, sourceId]);
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = this.build(spec);
      this.kernels.set(key, kernel);
      kernel.catch(() => this.kernels.delete(key));
    }
    return kernel;
  }

  private module(spec: KernelSpec, code: string): Promise<GPUShaderModule> {
    let module = this.modules.get(code);
    if (!module) {
      module = this.compile(spec, code);
      this.modules.set(code, module);
      module.catch(() => this.modules.delete(code));
    }
    return module;
  }

  private async compile(spec: KernelSpec, code: string): Promise<GPUShaderModule> {
    const device = this.gpu.device;
    // The scope is popped right after the call it watches: kernels compile concurrently, and a
    // scope popped after an await could be another compile's (scopes are a stack).
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ label: spec.file, code });
    const scope = device.popErrorScope();
    const info = await module.getCompilationInfo();
    const scopeError = await scope;
    const first = info.messages.find((m) => m.type === 'error');
    if (first) {
      // Map the line back to the file it is in: the prelude's lines come first.
      const preludeLines = spec.prelude ? spec.prelude.source.split('\n').length : 0;
      const inPrelude = spec.prelude && first.lineNum <= preludeLines;
      const file = inPrelude ? spec.prelude!.file : spec.file;
      const line = inPrelude ? first.lineNum : first.lineNum - preludeLines;
      throw new ShaderCompileError(`${file}:${line}:${first.linePos}: ${first.message}`, file, line);
    }
    if (scopeError) throw new ShaderCompileError(`${spec.file}: ${scopeError.message}`, spec.file, 0);
    return module;
  }

  private async build(given: KernelSpec): Promise<Kernel> {
    const code = fullSource(given);
    const reflected = reflectSource(given.file, code);
    const device = this.gpu.device;
    const spec = withWidth(given, reflected, device.limits);
    const module = await this.module(spec, code);
    const bindings = Kernel.bindingsOf(spec, reflected);
    const layout = device.createBindGroupLayout({
      label: `${spec.file}:${spec.entryPoint}`,
      entries: bindings.map((b) => ({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        // minBindingSize: checked once when a bind group is made, rather than at every dispatch.
        buffer: { type: b.kind, hasDynamicOffset: b.kind === 'uniform' && Boolean(spec.dynamicUniform), minBindingSize: b.minBytes },
      })),
    });
    const constants: Record<string, number> = {};
    for (const [name, value] of Object.entries(spec.constants ?? {})) {
      // Dawn would take "x" as NaN and fail the compile with "Floating-point value (nan) is not finite".
      if (typeof value !== 'boolean' && !Number.isFinite(value)) throw new ConfigError(`${spec.file}:${spec.entryPoint}: override ${name} must be a finite number or a boolean, got ${describe(value)}`);
      constants[name] = Number(value);
    }
    // Asynchronous, so that the kernels of a plan, requested together, compile together.
    const pipeline = await device
      .createComputePipelineAsync({
        label: `${spec.file}:${spec.entryPoint}`,
        layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: spec.entryPoint, constants },
      })
      .catch((error: Error) => {
        throw new ShaderCompileError(error.message, spec.file, 0);
      });
    return new Kernel(spec, device, layout, pipeline, reflected);
  }
}
