// The UI's shared state: what is open, the chat list window, the status bar figures, search.
// The store (Rust) is always the truth: events only say *what* to reload, never carry the data
// a view shows, so a missed event (`overflow`) is repaired by reloading.
import type { ChannelSummary } from '../bindings/ChannelSummary';
import type { ConversationFilter } from '../bindings/ConversationFilter';
import type { ConversationSummary } from '../bindings/ConversationSummary';
import type { Counts } from '../bindings/Counts';
import type { Label } from '../bindings/Label';
import type { MessageKind } from '../bindings/MessageKind';
import type { SearchCursor } from '../bindings/SearchCursor';
import type { SearchHit } from '../bindings/SearchHit';
import type { SearchQuery } from '../bindings/SearchQuery';
import type { SetupState } from '../bindings/SetupState';
import type { SyncStatus } from '../bindings/SyncStatus';
import * as ipc from './ipc';
import type { InletEvent } from './ipc';

/** Rows fetched per request of the virtualised chat list. */
export const PAGE_SIZE = 100;
/** Bursts of events reload the list at most this often. */
const REFRESH_MS = 250;
/** Search results per page ("Load more" fetches the next). */
export const SEARCH_PAGE = 25;

export type ListFilter =
  | { kind: 'all' }
  | { kind: 'unread' }
  | { kind: 'archived' }
  | { kind: 'channel'; channel: string }
  | { kind: 'label'; label: number };

export function toConversationFilter(filter: ListFilter): ConversationFilter {
  return {
    unread_only: filter.kind === 'unread',
    channel: filter.kind === 'channel' ? filter.channel : null,
    // A label lists its chats whether archived or not: the label is what the operator asked for.
    archived: filter.kind === 'label' ? null : filter.kind === 'archived',
    label: filter.kind === 'label' ? filter.label : null,
    limit: PAGE_SIZE,
    offset: 0,
  };
}

export function sameFilter(a: ListFilter, b: ListFilter): boolean {
  if (a.kind === 'channel') return b.kind === 'channel' && a.channel === b.channel;
  if (a.kind === 'label') return b.kind === 'label' && a.label === b.label;
  return a.kind === b.kind;
}

/** The search's filters besides the text. Dates are `YYYY-MM-DD` (local days, inclusive). */
export interface SearchFilters {
  kind: MessageKind | '';
  from: string;
  to: string;
  /** Only the chat that is open. */
  thisChat: boolean;
}

export const NO_SEARCH_FILTERS: SearchFilters = { kind: '', from: '', to: '', thisChat: false };

/** Local midnight at the start of a `YYYY-MM-DD` day, `days` later; null for an empty value. */
export function localDayMs(value: string, days = 0): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days).getTime();
}

function filtersActive(f: SearchFilters): boolean {
  return f.kind !== '' || f.from !== '' || f.to !== '' || f.thisChat;
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
  labels = $state.raw<Label[]>([]);
  open = $state<OpenChat | null>(null);

  counts = $state<Counts | null>(null);
  status = $state<SyncStatus | null>(null);

  /** The operator's names for button payloads (payload → name), for REPLY bubbles. */
  payloadNames = $state.raw<ReadonlyMap<string, string>>(new Map());

  searchText = $state('');
  searchFilters = $state<SearchFilters>({ ...NO_SEARCH_FILTERS });
  searchHits = $state.raw<SearchHit[] | null>(null);
  searchNext = $state.raw<SearchCursor | null>(null);
  searchError = $state<string | null>(null);
  searching = $state(false);
  loadingMore = $state(false);

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
        await Promise.all([
          this.reloadList(),
          this.reloadStatus(),
          this.reloadChannels(),
          this.reloadLabels(),
          this.reloadPayloadNames(),
        ]);
      } else {
        this.pages = {};
        this.total = 0;
        this.listLoaded = false;
        this.open = null;
        this.counts = null;
        this.status = null;
        this.labels = [];
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

  async reloadLabels(): Promise<void> {
    try {
      this.labels = await ipc.labels();
    } catch {
      // The sidebar keeps the labels it had; the next change reloads them.
    }
    // A deleted label cannot stay the list's filter.
    const current = this.filter;
    if (current.kind === 'label' && !this.labels.some((l) => l.id === current.label)) {
      this.setFilter({ kind: 'all' });
    }
  }

  label(id: number): Label | undefined {
    return this.labels.find((l) => l.id === id);
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
      void this.reloadLabels();
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

  // ---- button payload names ------------------------------------------------------------------

  async reloadPayloadNames(): Promise<void> {
    try {
      const all = await ipc.payloadNames();
      this.payloadNames = new Map(
        all.flatMap((p) => (p.name === null ? [] : [[p.payload, p.name] as const])),
      );
    } catch {
      // Bubbles show the bare payload until the next successful load.
    }
  }

  /** Names a payload (blank removes the name); throws the core's refusal in words. */
  async namePayload(payload: string, name: string): Promise<void> {
    await ipc.setPayloadName(payload, name);
    await this.reloadPayloadNames();
  }

  // ---- opening chats ------------------------------------------------------------------------

  openChat(id: number, atRowid: number | null = null): void {
    this.openNonce += 1;
    this.open = { id, atRowid, nonce: this.openNonce };
  }

  // ---- search -------------------------------------------------------------------------------

  /** Whether the sidebar shows search results (text typed or a filter set). */
  get searchActive(): boolean {
    return this.searchText.trim() !== '' || filtersActive(this.searchFilters);
  }

  setSearchFilters(filters: SearchFilters): void {
    this.searchFilters = filters;
    void this.runSearch(this.searchText);
  }

  private searchQuery(text: string, cursor: SearchCursor | null): SearchQuery {
    const f = this.searchFilters;
    return {
      text,
      channel: this.filter.kind === 'channel' ? this.filter.channel : null,
      conversation_id: f.thisChat && this.open ? this.open.id : null,
      kinds: f.kind === '' ? [] : [f.kind],
      since_ms: localDayMs(f.from),
      // The "to" day is included: results end at the start of the next day.
      until_ms: localDayMs(f.to, 1),
      limit: SEARCH_PAGE,
      cursor,
    };
  }

  /** A new search from the first page (typing or a filter change). */
  async runSearch(text: string): Promise<void> {
    this.searchText = text;
    const generation = ++this.searchGeneration;
    if (!this.searchActive) {
      this.searchHits = null;
      this.searchNext = null;
      this.searchError = null;
      this.searching = false;
      return;
    }
    this.searching = true;
    try {
      const page = await ipc.search(this.searchQuery(text, null));
      if (generation !== this.searchGeneration) return;
      this.searchHits = page.hits;
      this.searchNext = page.next;
      this.searchError = null;
    } catch (error) {
      if (generation !== this.searchGeneration) return;
      this.searchError = ipc.errorText(error);
      this.searchHits = [];
      this.searchNext = null;
    } finally {
      if (generation === this.searchGeneration) this.searching = false;
    }
  }

  /** The next page of the current search, appended. */
  async loadMoreResults(): Promise<void> {
    const cursor = this.searchNext;
    if (cursor === null || this.loadingMore) return;
    const generation = this.searchGeneration;
    this.loadingMore = true;
    try {
      const page = await ipc.search(this.searchQuery(this.searchText, cursor));
      if (generation !== this.searchGeneration) return;
      this.searchHits = [...(this.searchHits ?? []), ...page.hits];
      this.searchNext = page.next;
    } catch (error) {
      if (generation === this.searchGeneration) this.searchError = ipc.errorText(error);
    } finally {
      this.loadingMore = false;
    }
  }

  clearSearch(): void {
    this.searchFilters = { ...NO_SEARCH_FILTERS };
    void this.runSearch('');
  }
}

export function applyTheme(theme: 'system' | 'light' | 'dark'): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

export const inbox = new Inbox();
