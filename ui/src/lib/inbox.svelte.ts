// The UI's shared state: what is open, the chat list window, the status bar figures, search.
// The store (Rust) is always the truth: events only say *what* to reload, never carry the data
// a view shows, so a missed event (`overflow`) is repaired by reloading.
import type { ChannelSummary } from '../bindings/ChannelSummary';
import type { ConversationFilter } from '../bindings/ConversationFilter';
import type { ConversationSummary } from '../bindings/ConversationSummary';
import type { Counts } from '../bindings/Counts';
import type { SearchHit } from '../bindings/SearchHit';
import type { SetupState } from '../bindings/SetupState';
import type { SyncStatus } from '../bindings/SyncStatus';
import * as ipc from './ipc';
import type { InletEvent } from './ipc';

/** Rows fetched per request of the virtualised chat list. */
export const PAGE_SIZE = 100;
/** Bursts of events reload the list at most this often. */
const REFRESH_MS = 250;

export type ListFilter =
  | { kind: 'all' }
  | { kind: 'unread' }
  | { kind: 'archived' }
  | { kind: 'channel'; channel: string };

export function toConversationFilter(filter: ListFilter): ConversationFilter {
  return {
    unread_only: filter.kind === 'unread',
    channel: filter.kind === 'channel' ? filter.channel : null,
    archived: filter.kind === 'archived',
    limit: PAGE_SIZE,
    offset: 0,
  };
}

export function sameFilter(a: ListFilter, b: ListFilter): boolean {
  return a.kind === b.kind && (a.kind !== 'channel' || a.channel === (b as { channel: string }).channel);
}

/** The chat opened, optionally at a message (a search hit). */
export interface OpenChat {
  id: number;
  atRowid: number | null;
  /** Changes each time the same chat is opened again at a message. */
  nonce: number;
}

type Listener = (events: InletEvent[]) => void;

export class Inbox {
  setup = $state<SetupState | null>(null);
  setupError = $state<string | null>(null);

  // The chat list: a window of rows fetched page by page.
  filter = $state<ListFilter>({ kind: 'all' });
  total = $state(0);
  pages = $state.raw<Record<number, ConversationSummary[]>>({});
  listError = $state<string | null>(null);
  listLoaded = $state(false);
  channels = $state.raw<ChannelSummary[]>([]);
  open = $state<OpenChat | null>(null);

  counts = $state<Counts | null>(null);
  status = $state<SyncStatus | null>(null);

  searchText = $state('');
  searchHits = $state.raw<SearchHit[] | null>(null);
  searchError = $state<string | null>(null);
  searching = $state(false);

  private visible = { first: 0, last: 0 };
  private listeners = new Set<Listener>();
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private statusTimer: ReturnType<typeof setTimeout> | null = null;
  private listGeneration = 0;
  private searchGeneration = 0;
  private openNonce = 0;

  get inboxOpen(): boolean {
    return this.setup?.inbox.open === true;
  }

  get isDemo(): boolean {
    return this.setup?.inbox.mode === 'demo';
  }

  async loadSetup(): Promise<void> {
    try {
      this.setup = await ipc.setupState();
      this.setupError = null;
      applyTheme(this.setup.settings.theme);
      if (this.setup.inbox.open) {
        await Promise.all([this.reloadList(), this.reloadStatus(), this.reloadChannels()]);
      } else {
        this.pages = {};
        this.total = 0;
        this.listLoaded = false;
        this.open = null;
        this.counts = null;
        this.status = null;
      }
    } catch (error) {
      this.setupError = ipc.errorText(error);
    }
  }

  /** Views interested in raw events (the open chat) subscribe here. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  handle(events: InletEvent[]): void {
    let list = false;
    let status = false;
    for (const event of events) {
      switch (event.type) {
        case 'messages_added':
        case 'conversations_changed':
          list = true;
          break;
        case 'counts':
          this.counts = event.counts;
          break;
        case 'connectivity':
        case 'synced':
        case 'problem':
        case 'quarantined':
          status = true;
          break;
        case 'overflow':
          list = true;
          status = true;
          break;
        case 'media_changed':
          break;
      }
    }
    if (list) this.scheduleListRefresh();
    if (status) this.scheduleStatusRefresh();
    for (const listener of this.listeners) listener(events);
  }

  // ---- chat list ----------------------------------------------------------------------------

  row(index: number): ConversationSummary | undefined {
    const page = this.pages[Math.floor(index / PAGE_SIZE)];
    return page?.[index % PAGE_SIZE];
  }

  /** The list shows rows `first..=last`: fetch the pages they are on. */
  showRows(first: number, last: number): void {
    this.visible = { first, last };
    const wanted = this.pagesFor(first, last).filter((p) => !(p in this.pages));
    if (wanted.length > 0) void this.fetchPages(wanted, false);
  }

  setFilter(filter: ListFilter): void {
    if (sameFilter(filter, this.filter)) return;
    this.filter = filter;
    this.pages = {};
    this.total = 0;
    this.listLoaded = false;
    this.visible = { first: 0, last: 0 };
    void this.reloadList();
  }

  async reloadList(): Promise<void> {
    const pages = this.pagesFor(this.visible.first, this.visible.last);
    await this.fetchPages(pages.length > 0 ? pages : [0], true);
  }

  async reloadChannels(): Promise<void> {
    try {
      this.channels = await ipc.channels();
    } catch {
      // The filter bar simply keeps its previous channels.
    }
  }

  private pagesFor(first: number, last: number): number[] {
    const from = Math.floor(Math.max(0, first) / PAGE_SIZE);
    const to = Math.floor(Math.max(first, last) / PAGE_SIZE);
    const pages: number[] = [];
    for (let p = from; p <= to; p++) pages.push(p);
    return pages;
  }

  /** Fetches `pageNumbers`; with `replace`, the result replaces every page held (a reload). */
  private async fetchPages(pageNumbers: number[], replace: boolean): Promise<void> {
    const generation = replace ? ++this.listGeneration : this.listGeneration;
    const base = toConversationFilter(this.filter);
    try {
      const results = await Promise.all(
        pageNumbers.map((p) => ipc.listConversations({ ...base, offset: p * PAGE_SIZE })),
      );
      if (generation !== this.listGeneration) return; // a newer reload won
      const next: Record<number, ConversationSummary[]> = replace ? {} : { ...this.pages };
      results.forEach((result, i) => {
        const p = pageNumbers[i];
        if (p !== undefined) next[p] = result.items;
        this.total = result.total;
      });
      this.pages = next;
      this.listLoaded = true;
      this.listError = null;
    } catch (error) {
      this.listError = ipc.errorText(error);
    }
  }

  private scheduleListRefresh(): void {
    if (this.refreshTimer !== null) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.reloadList();
      void this.reloadChannels();
    }, REFRESH_MS);
  }

  private scheduleStatusRefresh(): void {
    if (this.statusTimer !== null) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      void this.reloadStatus();
    }, REFRESH_MS);
  }

  async reloadStatus(): Promise<void> {
    try {
      const [status, counts] = await Promise.all([ipc.connectivity(), ipc.counts()]);
      this.status = status;
      this.counts = counts;
    } catch {
      // Shown as stale figures until the next event; the inbox may be closing.
    }
  }

  // ---- opening chats ------------------------------------------------------------------------

  openChat(id: number, atRowid: number | null = null): void {
    this.openNonce += 1;
    this.open = { id, atRowid, nonce: this.openNonce };
  }

  // ---- search -------------------------------------------------------------------------------

  async runSearch(text: string): Promise<void> {
    this.searchText = text;
    const generation = ++this.searchGeneration;
    if (text.trim() === '') {
      this.searchHits = null;
      this.searchError = null;
      this.searching = false;
      return;
    }
    this.searching = true;
    try {
      const page = await ipc.search({
        text,
        channel: this.filter.kind === 'channel' ? this.filter.channel : null,
        conversation_id: null,
        kinds: [],
        since_ms: null,
        until_ms: null,
        limit: 100,
        cursor: null,
      });
      if (generation !== this.searchGeneration) return;
      this.searchHits = page.hits;
      this.searchError = null;
    } catch (error) {
      if (generation !== this.searchGeneration) return;
      this.searchError = ipc.errorText(error);
      this.searchHits = [];
    } finally {
      if (generation === this.searchGeneration) this.searching = false;
    }
  }
}

export function applyTheme(theme: 'system' | 'light' | 'dark'): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

export const inbox = new Inbox();
