// Typed wrappers around Tauri's `invoke`. The types come from Rust (ts-rs, `src/bindings/`);
// keep every IPC call in this file so the UI has one place that knows command names.
import { invoke } from '@tauri-apps/api/core';
import type { AppInfo } from '../bindings/AppInfo';
import type { ErrorPayload } from '../bindings/ErrorPayload';

export type { AppInfo, ErrorPayload };

/** A failed command: the Rust error payload, or a local failure (e.g. IPC unavailable). */
export class CommandError extends Error {
  readonly payload: ErrorPayload | null;

  constructor(payload: ErrorPayload | null, message: string) {
    super(message);
    this.name = 'CommandError';
    this.payload = payload;
  }
}

function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>).kind === 'string' &&
    typeof (value as Record<string, unknown>).message === 'string'
  );
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error: unknown) {
    if (isErrorPayload(error)) {
      throw new CommandError(error, error.message);
    }
    throw new CommandError(null, String(error));
  }
}

export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>('app_info');
}
