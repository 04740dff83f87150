export type Selection =
  | { type: 'lab' }
  | { type: 'node'; name: string }
  | { type: 'network'; name: string }
  | { type: 'link'; node: string; index: number }
  | { type: 'service'; name: string };

export const DRAG_MIME = 'application/x-lblab-kind';
