// The label colours the UI offers: a small fixed palette, readable on light and dark themes.
export const LABEL_PALETTE: readonly { colour: string; name: string }[] = [
  { colour: '#d93f3f', name: 'Red' },
  { colour: '#e8871e', name: 'Orange' },
  { colour: '#d4b10f', name: 'Yellow' },
  { colour: '#2f9e44', name: 'Green' },
  { colour: '#1c7ed6', name: 'Blue' },
  { colour: '#7048e8', name: 'Violet' },
  { colour: '#c2255c', name: 'Pink' },
  { colour: '#868e96', name: 'Grey' },
];

export function colourName(colour: string): string {
  return LABEL_PALETTE.find((c) => c.colour === colour)?.name ?? colour;
}
