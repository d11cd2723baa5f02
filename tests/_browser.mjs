// What the tests' browser scripts share: Debian's /usr/bin/chromium (or $CHROMIUM), driven
// headless through playwright-core (which downloads no browser of its own) in a throw-away
// profile; the page's errors and requests recorded into the report; the command line read.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

// Quiet and offline: no updates, sync or background fetches that a report would count.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// The script's arguments; with fewer than `required`, the usage line and exit status 2.
export function cli(usage, required) {
  const args = process.argv.slice(2);
  if (args.slice(0, required).some((a) => !a)) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return args;
}

// Run `body(page)` in a fresh 1280x720 Chromium and close it whatever happens.
export async function withChromium(body, extraArgs = []) {
  const userDataDir = mkdtempSync(join(tmpdir(), "convanim-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 720 },
    args: [...ARGS, ...extraArgs],
  });
  try {
    return await body(context.pages()[0] || (await context.newPage()));
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

// Record into `report` what the page does that a test asserts on: its errors (pageErrors,
// consoleErrors), every request (requests) and every failed one (failedRequests, with HTTP
// errors), each only when the report has that list.
export function record(page, report) {
  if (report.pageErrors) page.on("pageerror", (err) => report.pageErrors.push(String(err)));
  if (report.consoleErrors)
    page.on("console", (msg) => {
      if (msg.type() === "error") report.consoleErrors.push(msg.text());
    });
  if (report.requests) page.on("request", (req) => report.requests.push(req.url()));
  if (report.failedRequests) {
    page.on("requestfailed", (req) => report.failedRequests.push(`${req.url()} ${req.failure()?.errorText}`));
    page.on("response", (res) => {
      if (res.status() >= 400) report.failedRequests.push(`${res.url()} HTTP ${res.status()}`);
    });
  }
}

// Two animation frames: the browser has laid out and painted what the last command changed.
export const painted = (where) =>
  where.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
