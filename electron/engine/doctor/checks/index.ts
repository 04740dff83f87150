// Every check, in the order findings are listed.
import { arpFlux } from './arp-flux';
import { backendDown } from './backend-down';
import { clientIpHidden } from './client-ip-hidden';
import type { Check } from './context';
import { decapMissing } from './decap-missing';
import { healthMismatch } from './health-mismatch';
import { ipv6 } from './ipv6';
import { mtu } from './mtu';
import { nodeDown } from './node-down';
import { notSameL2 } from './not-same-l2';
import { returnPath } from './return-path';
import { rpFilter } from './rp-filter';
import { vipMissing } from './vip-missing';

export type { Check, CheckContext } from './context';
export const CHECKS: Check[] = [nodeDown, backendDown, notSameL2, vipMissing, arpFlux, returnPath, decapMissing, rpFilter, mtu, healthMismatch, clientIpHidden, ipv6];
