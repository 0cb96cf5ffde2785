import type { Server } from 'node:http';

export interface Served {
  url: string;
  server: Server;
  close(): Promise<void>;
}
export function dataDirectories(): { mnist: string | null; 'fashion-mnist': string };
export function buildDemo(outDir?: string): Promise<string>;
export function serveStatic(routes: Record<string, string | null>, port?: number, options?: { isolated?: boolean }): Promise<Served>;
export function serveDemo(port?: number): Promise<Served>;
