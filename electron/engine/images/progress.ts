// Progress of an image build, as the CLI and the UI show it.
import type { ImageName } from './names';

export interface ImageProgress {
  /** 'transfer': images sent to a remote engine from this machine's */
  image: ImageName | 'base' | 'transfer';
  /** e.g. "Step 3/9", "debootstrap", "bundle", "cached", "done" */
  step: string;
  /** one human line: the step's instruction, or a line of its output */
  message: string;
  done: number;
  total: number;
}
export type OnImageProgress = (p: ImageProgress) => void;
