// Types for bench-http-client.mjs (the tests import it).
export interface DriveOptions {
  host?: string;
  port: number;
  path: string;
  connections: number;
  count: number;
  body(i: number): string;
  onResponse(status: number, ms: number, body: Buffer): void;
  onError(error: Error): void;
}
export function driveRequests(options: DriveOptions): Promise<void>;
export function parseResponse(
  data: Buffer,
): { status: number; body: Buffer; close: boolean; size: number } | undefined;
