// Modal requests any component can make: confirm a link before it leaves the app, view an image.
export interface ImageView {
  src: string;
  caption: string | null;
}

class Dialogs {
  /** A link waiting for the operator's confirmation before the system browser opens it. */
  link = $state<string | null>(null);
  image = $state<ImageView | null>(null);
  quarantine = $state(false);
  settings = $state(false);
}

export const dialogs = new Dialogs();
