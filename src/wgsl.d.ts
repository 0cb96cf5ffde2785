// WGSL files are embedded as text by the build (esbuild's text loader, a tiny Vite plugin in tests).
declare module '*.wgsl' {
  const source: string;
  export default source;
}
