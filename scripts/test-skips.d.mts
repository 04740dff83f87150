// Types of test-skips.mjs, for the unit tests that import it.
export declare const ALLOW_FILE: string;
export declare const ALLOW_HEADING: string;
export interface AllowEntry { target: string; reason: string }
export interface Skip { file: string; name: string; reason: string }
export interface SkipLine { text: string; allowed: boolean }
/** The part of a vitest JSON report these functions read. */
export interface VitestReport {
  testResults?: { name: string; assertionResults?: { status: string; fullName: string; meta?: { skipReason?: string } }[] }[];
}
export declare function parseAllowList(markdown: string): AllowEntry[];
export declare function skippedTests(report: VitestReport, root: string): Skip[];
export declare function isAllowed(skip: Skip, allowList: AllowEntry[]): boolean;
export declare function skipLines(stage: string, report: VitestReport, root: string, allowList: AllowEntry[]): SkipLine[];
