// Attachment states as sentences, and where a saved file can be loaded from.
import type { MediaItem } from '../bindings/MediaItem';
import { fileSize, fromNow } from './format';
import { fileUrl } from './ipc';

/** Bytes received so far by a download in flight, from `media_changed` events. */
export interface Progress {
  done: number | null;
  total: number | null;
}

export type Tone = 'ok' | 'busy' | 'warn' | 'bad';

export interface AttachmentLine {
  text: string;
  tone: Tone;
  /** 0..1 while saving with a known size. */
  fraction: number | null;
}

/** What to say about an attachment's state, e.g. "Saving… 40%" or "Retrying in 5 min: …". */
export function describeAttachment(
  item: MediaItem,
  progress: Progress | null,
  now: number = Date.now(),
): AttachmentLine {
  switch (item.state) {
    case 'saved':
      return { text: `Saved${item.bytes !== null ? ` · ${fileSize(item.bytes)}` : ''}`, tone: 'ok', fraction: null };
    case 'downloading': {
      const done = progress?.done ?? item.progress_bytes;
      const total = progress?.total ?? item.total_bytes;
      if (done !== null && total !== null && total > 0) {
        const fraction = Math.min(1, done / total);
        return { text: `Saving ${Math.round(fraction * 100)}%`, tone: 'busy', fraction };
      }
      return { text: done !== null ? `Saving… ${fileSize(done)}` : 'Saving…', tone: 'busy', fraction: null };
    }
    case 'queued':
      return {
        text: `Waiting to be saved · link expires ${fromNow(item.deadline_ms, now)}`,
        tone: 'busy',
        fraction: null,
      };
    case 'retrying': {
      const why = item.last_error ? `: ${item.last_error}` : '';
      return {
        text: `Not saved yet, retrying ${fromNow(item.next_attempt_ms, now)}${why}`,
        tone: 'warn',
        fraction: null,
      };
    }
    case 'expired':
      return {
        text: `Lost: the link expired before it could be saved${item.last_error ? ` (${item.last_error})` : ''}`,
        tone: 'bad',
        fraction: null,
      };
    case 'too_large':
      return {
        text: `Not saved: larger than the limit in Settings${item.total_bytes !== null ? ` (${fileSize(item.total_bytes)})` : ''}`,
        tone: 'bad',
        fraction: null,
      };
  }
}

/** The saved file as a URL for <img>/<video>/<audio>, or null until it is saved. */
export function savedUrl(item: MediaItem | null): string | null {
  if (item === null || item.state !== 'saved' || item.path === null) return null;
  return fileUrl(item.path);
}
