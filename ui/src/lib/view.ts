/** What the main area shows. UI-only state: Rust does not need to know it. */
export type View = 'welcome' | 'demo' | 'connect';

export function describeView(view: View): string {
  switch (view) {
    case 'welcome':
      return 'Not connected';
    case 'demo':
      return 'Demo mode';
    case 'connect':
      return 'Setting up Alibaba Cloud';
  }
}
