// The one format every suite's results are read in: a JUnit report per suite in
// .test-results/<name>.xml, written by the runners (or by scripts/selftest-junit.ts for
// the C self-tests, and by run-suite.ts for a suite that hung or crashed).
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Counts the <testcase> elements of a JUnit report by outcome. */
export function countJunit(xml: string): Counts {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const cases = xml.split(/<testcase\b/).slice(1);
  for (const body of cases) {
    const own = body.split(/<\/testcase>|<testcase\b/)[0] ?? "";
    const selfClosing = /^[^>]*\/>/.test(own);
    const inner = selfClosing ? "" : own;
    if (/<(failure|error)\b/.test(inner)) counts.failed++;
    else if (/<skipped\b/.test(inner)) counts.skipped++;
    else counts.passed++;
  }
  return counts;
}

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);

export interface Case {
  name: string;
  /** Why it failed; absent: it passed. */
  failure?: string;
}

function testsuite(suite: string, cases: Case[]): string {
  const body = cases.map(
    (c) =>
      `<testcase classname="${escapeXml(suite)}" name="${escapeXml(c.name)}"${c.failure === undefined ? "/>" : `><failure message="${escapeXml(c.failure)}"/></testcase>`}`,
  );
  return `<testsuite name="${escapeXml(suite)}" tests="${cases.length}" failures="${cases.filter((c) => c.failure !== undefined).length}">\n${body.join("\n")}\n</testsuite>`;
}

/** Writes a JUnit report of the given cases. */
export function writeJunit(file: string, suite: string, cases: Case[]): void {
  writeFileSync(file, `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${escapeXml(suite)}">\n${testsuite(suite, cases)}\n</testsuites>\n`);
}

/** Adds failed cases to a report (writing one if there is none), so the suite counts as failed. */
export function addFailures(file: string, suite: string, cases: Case[]): void {
  const report = existsSync(file) ? readFileSync(file, "utf8") : "";
  const end = report.lastIndexOf("</testsuites>");
  if (end < 0) writeJunit(file, suite, cases);
  else writeFileSync(file, `${report.slice(0, end)}${testsuite(suite, cases)}\n${report.slice(end)}`);
}

/** The counts of a report; none if it does not exist (the suite did not run). */
export function readCounts(file: string): Counts | undefined {
  return existsSync(file) ? countJunit(readFileSync(file, "utf8")) : undefined;
}

/** Prints a table of the suites' counts (those with a report) and the final line; returns the totals. */
export function printSummary(rows: [string, Counts][]): Counts {
  const total: Counts = { passed: 0, failed: 0, skipped: 0 };
  const width = Math.max(9, ...rows.map(([name]) => name.length));
  console.log(`\n${"suite".padEnd(width)} passed  failed  skipped`);
  for (const [name, c] of rows) {
    console.log(`${name.padEnd(width)} ${String(c.passed).padStart(6)}  ${String(c.failed).padStart(6)}  ${String(c.skipped).padStart(7)}`);
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  }
  return total;
}

export function finalLine(c: Counts): string {
  return `${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}`;
}
