import type { EngineMethods, LabDoc, LabStatus, Mode } from '../../../electron/api';
import type { Question } from '../../state/useConfirm';
import type { IssueIndex } from '../../state/issues';
import type { ModeCheck } from './useModeAvailability';
import type { Selection } from '../../state/selection';

/** What every inspector pane needs: the document, how to change it, and the live lab. */
export interface InspectorProps {
  doc: LabDoc;
  edit(doc: LabDoc, coalesce?: string): void;
  seal(): void;
  select(s: Selection): void;
  issues: IssueIndex;
  /** the lab is deployed: mode changes go live, terminals can open */
  deployed: boolean;
  /** the running lab's status (addresses, VIPs) when deployed */
  live?: LabStatus | null;
  onModeChange(service: string, mode: Mode): void;
  onOpenTerminal(node: string): void;
  /** ask before deleting what others use; resolves true to go ahead */
  confirmDelete(nodes: string[], networks: string[]): Promise<boolean>;
  /** ask before an edit that moves what others placed (a host removed with its nodes); true: go ahead */
  ask(q: Question): Promise<boolean>;
  /** the Docker engines the app knows (contexts, the local socket): what a host's engine may name */
  listEngines: EngineMethods['listEngines'];
  /** the modes a service of a document could run in (the engine's checks) */
  checkModes: ModeCheck;
  /** per service: the last live mode switch refused, and why (the engine's words) */
  modeRefusals: Record<string, ModeRefusal>;
}

/** A live mode switch the running lab refused. */
export interface ModeRefusal { mode: Mode; why: string }

export const taken = (doc: LabDoc) => (n: string) => !!(doc.nodes[n] || doc.networks[n] || doc.services?.[n]);
