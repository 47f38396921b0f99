// Typed wrappers around Tauri's `invoke`. The types come from Rust (ts-rs, `src/bindings/`);
// keep every IPC call in this file so the UI has one place that knows command names.
import { invoke, convertFileSrc } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { AppInfo } from '../bindings/AppInfo';
import type { BackupReport } from '../bindings/BackupReport';
import type { ContactNote } from '../bindings/ContactNote';
import type { ExportFormat } from '../bindings/ExportFormat';
import type { ExportOutcome } from '../bindings/ExportOutcome';
import type { ExportScope } from '../bindings/ExportScope';
import type { Label } from '../bindings/Label';
import type { RestoreReport } from '../bindings/RestoreReport';
import type { ChannelSummary } from '../bindings/ChannelSummary';
import type { ConnectionSettings } from '../bindings/ConnectionSettings';
import type { ConversationFilter } from '../bindings/ConversationFilter';
import type { ConversationPage } from '../bindings/ConversationPage';
import type { ConversationSummary } from '../bindings/ConversationSummary';
import type { Counts } from '../bindings/Counts';
import type { CredentialsStatus } from '../bindings/CredentialsStatus';
import type { ErrorPayload } from '../bindings/ErrorPayload';
import type { Event as InletEvent } from '../bindings/Event';
import type { LocationMap } from '../bindings/LocationMap';
import type { MediaItem } from '../bindings/MediaItem';
import type { PayloadName } from '../bindings/PayloadName';
import type { Preferences } from '../bindings/Preferences';
import type { QuarantineItem } from '../bindings/QuarantineItem';
import type { QueueTest } from '../bindings/QueueTest';
import type { SearchPage } from '../bindings/SearchPage';
import type { SearchQuery } from '../bindings/SearchQuery';
import type { Settings } from '../bindings/Settings';
import type { SetupState } from '../bindings/SetupState';
import type { SyncStatus } from '../bindings/SyncStatus';
import type { TimelineCursor } from '../bindings/TimelineCursor';
import type { TimelinePage } from '../bindings/TimelinePage';

export type { AppInfo, ErrorPayload, InletEvent };

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

/** A sentence for any failure, for showing as text. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export const appInfo = () => call<AppInfo>('app_info');
export const setupState = () => call<SetupState>('setup_state');
export const startDemo = () => call<SetupState>('start_demo');
export const closeInbox = () => call<SetupState>('close_inbox');
export const credentialsStatus = () => call<CredentialsStatus>('credentials_status');
export const saveCredentials = (accessKeyId: string, accessKeySecret: string) =>
  call<CredentialsStatus>('save_credentials', { accessKeyId, accessKeySecret });
export const removeCredentials = () => call<CredentialsStatus>('remove_credentials');
export const saveConnection = (connection: ConnectionSettings) =>
  call<SetupState>('save_connection', { connection });
export const testConnection = (
  connection: ConnectionSettings,
  accessKeyId: string | null,
  accessKeySecret: string | null,
) => call<QueueTest[]>('test_connection', { connection, accessKeyId, accessKeySecret });
export const savePreferences = (preferences: Preferences) =>
  call<Settings>('save_preferences', { preferences });

export const listConversations = (filter: ConversationFilter) =>
  call<ConversationPage>('list_conversations', { filter });
export const channels = () => call<ChannelSummary[]>('channels');
export const conversation = (conversationId: number) =>
  call<ConversationSummary | null>('conversation', { conversationId });
export const timeline = (conversationId: number, before: TimelineCursor | null, limit: number) =>
  call<TimelinePage>('timeline', { conversationId, before, limit });
export const timelineAround = (conversationId: number, rowid: number) =>
  call<TimelinePage>('timeline_around', { conversationId, rowid });
export const markRead = (conversationId: number) => call<void>('mark_read', { conversationId });
export const markUnread = (conversationId: number) => call<void>('mark_unread', { conversationId });
export const setPinned = (conversationId: number, pinned: boolean) =>
  call<void>('set_pinned', { conversationId, pinned });
export const setArchived = (conversationId: number, archived: boolean) =>
  call<void>('set_archived', { conversationId, archived });
export const counts = () => call<Counts>('counts');
export const connectivity = () => call<SyncStatus>('connectivity');
export const listQuarantine = () => call<QuarantineItem[]>('list_quarantine');
export const search = (query: SearchQuery) => call<SearchPage>('search', { query });

export const payloadNames = () => call<PayloadName[]>('payload_names');
export const setPayloadName = (payload: string, name: string) =>
  call<string | null>('set_payload_name', { payload, name });

export const labels = () => call<Label[]>('labels');
export const createLabel = (name: string, colour: string) => call<Label>('create_label', { name, colour });
export const renameLabel = (labelId: number, name: string) => call<void>('rename_label', { labelId, name });
export const setLabelColour = (labelId: number, colour: string) =>
  call<void>('set_label_colour', { labelId, colour });
export const deleteLabel = (labelId: number) => call<void>('delete_label', { labelId });
export const assignLabel = (conversationId: number, labelId: number) =>
  call<void>('assign_label', { conversationId, labelId });
export const unassignLabel = (conversationId: number, labelId: number) =>
  call<void>('unassign_label', { conversationId, labelId });
export const contactNote = (conversationId: number) =>
  call<ContactNote | null>('contact_note', { conversationId });
export const setContactNote = (conversationId: number, text: string) =>
  call<ContactNote | null>('set_contact_note', { conversationId, text });

/** Opens the native save dialog (in Rust) and exports there; `null` when the operator cancels. */
export const exportChats = (format: ExportFormat, scope: ExportScope) =>
  call<ExportOutcome | null>('export_chats', { format, scope });
export const backupInbox = () => call<BackupReport | null>('backup_inbox');
/** Opens the native open dialog; the chosen file stays in Rust until `restoreInbox`. */
export const chooseBackup = () => call<string | null>('choose_backup');
export const restoreInbox = () => call<RestoreReport>('restore_inbox');

export const mediaDetails = (mediaId: number) =>
  call<MediaItem | null>('media_details', { mediaId });
export const locationMapOf = (messageRowid: number) =>
  call<LocationMap | null>('location_map_of', { messageRowid });
export const openMedia = (mediaId: number) => call<void>('open_media', { mediaId });
export const openLink = (url: string) => call<void>('open_link', { url });

/** A saved file or cached tile as a URL the webview may load (the asset protocol). */
export function fileUrl(path: string): string {
  return convertFileSrc(path);
}

/** Every batch of core events (one IPC message per ~100 ms). */
export function onEvents(handler: (events: InletEvent[]) => void): Promise<UnlistenFn> {
  return listen<InletEvent[]>('inlet://events', (message) => handler(message.payload));
}

/** An inbox opened or closed: ask `setupState` again. */
export function onSession(handler: () => void): Promise<UnlistenFn> {
  return listen('inlet://session', () => handler());
}
