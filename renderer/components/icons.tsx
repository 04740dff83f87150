// Inline SVG icons (no external assets: CSP allows only 'self' and data:).
import type { ReactElement } from 'react';
import type { ElementKind } from '../state/doc-ops';

const common = { width: 22, height: 22, viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 1.7, strokeLinecap: 'round' as const, strokeLinejoin: 'round' as const, 'aria-hidden': true };

export const KindIcon: Record<ElementKind, () => ReactElement> = {
  client: () => (
    <svg {...common}>
      <rect x="3" y="4" width="18" height="12" rx="1.5" />
      <path d="M8 20h8M12 16v4" />
    </svg>
  ),
  balancer: () => (
    <svg {...common}>
      <circle cx="5" cy="12" r="2" />
      <circle cx="19" cy="5" r="2" />
      <circle cx="19" cy="12" r="2" />
      <circle cx="19" cy="19" r="2" />
      <path d="M7 12h10M7 11l10-5.2M7 13l10 5.2" />
    </svg>
  ),
  server: () => (
    <svg {...common}>
      <rect x="4" y="3" width="16" height="7" rx="1.5" />
      <rect x="4" y="14" width="16" height="7" rx="1.5" />
      <path d="M8 6.5h.01M8 17.5h.01M12 6.5h5M12 17.5h5" />
    </svg>
  ),
  router: () => (
    <svg {...common}>
      <circle cx="12" cy="12" r="8.5" />
      <path d="M8 9.5h7l-2-2M16 14.5H9l2 2" />
    </svg>
  ),
  network: () => (
    <svg {...common}>
      <path d="M3 12h18" />
      <path d="M6 12V7M12 12V5M18 12V7M9 12v6M15 12v6" />
    </svg>
  ),
};

const small = { ...common, width: 16, height: 16 };
export const Icon = {
  undo: () => (
    <svg {...small}>
      <path d="M9 14 4 9l5-5" />
      <path d="M4 9h11a5 5 0 0 1 0 10h-3" />
    </svg>
  ),
  redo: () => (
    <svg {...small}>
      <path d="m15 14 5-5-5-5" />
      <path d="M20 9H9a5 5 0 0 0 0 10h3" />
    </svg>
  ),
  open: () => (
    <svg {...small}>
      <path d="M3 7v12h16l2-9H7L5 7H3z" />
      <path d="M3 7V5h6l2 2h8v3" />
    </svg>
  ),
  save: () => (
    <svg {...small}>
      <path d="M5 3h11l3 3v15H5z" />
      <path d="M8 3v5h7V3M8 21v-6h8v6" />
    </svg>
  ),
  layout: () => (
    <svg {...small}>
      <rect x="9" y="3" width="6" height="5" rx="1" />
      <rect x="3" y="16" width="6" height="5" rx="1" />
      <rect x="15" y="16" width="6" height="5" rx="1" />
      <path d="M12 8v4M6 16v-4h12v4" />
    </svg>
  ),
  play: () => (
    <svg {...small}>
      <path d="M7 4v16l13-8z" fill="currentColor" />
    </svg>
  ),
  stop: () => (
    <svg {...small}>
      <rect x="6" y="6" width="12" height="12" rx="1" fill="currentColor" />
    </svg>
  ),
  terminal: () => (
    <svg {...small}>
      <rect x="3" y="4" width="18" height="16" rx="2" />
      <path d="m7 9 3 3-3 3M13 15h4" />
    </svg>
  ),
  close: () => (
    <svg {...small} width={12} height={12}>
      <path d="M6 6l12 12M18 6 6 18" />
    </svg>
  ),
  warn: () => (
    <svg {...small} width={14} height={14}>
      <path d="M12 3 2 20h20z" />
      <path d="M12 10v4M12 17h.01" />
    </svg>
  ),
  plus: () => (
    <svg {...small} width={14} height={14}>
      <path d="M12 5v14M5 12h14" />
    </svg>
  ),
  trash: () => (
    <svg {...small} width={14} height={14}>
      <path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13" />
    </svg>
  ),
  file: () => (
    <svg {...small}>
      <path d="M6 3h8l4 4v14H6z" />
      <path d="M14 3v4h4" />
    </svg>
  ),
};
