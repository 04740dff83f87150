// The course, in the order it is taught: from the single rewrite of direct
// routing to the tier of balancers.
import type { LessonDef } from '../types';
import { arp } from './arp';
import { directRouting } from './direct-routing';
import { fullNat } from './full-nat';
import { l4l7 } from './l4-l7';
import { nat } from './nat';
import { proxy } from './proxy';
import { tier } from './tier';
import { tunnel } from './tunnel';

export const COURSE: readonly LessonDef[] = [directRouting, arp, tunnel, nat, fullNat, proxy, l4l7, tier];
