// Press → three times and ← once on a reveal.js page holding one `steps` video snippet, in
// headless Chromium, and report as JSON where the video stood (paused? at what time?) after
// each press.
//
//   node tests/steps_check.mjs URL SCREENSHOT_DIR
//
// Used by tests/test_video.py (the assertions live there). Drives Debian's /usr/bin/chromium (or
// $CHROMIUM) through playwright-core, which downloads no browser of its own.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, shotDir] = process.argv.slice(2);
const userDataDir = mkdtempSync(join(tmpdir(), "convanim-steps-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1280, height: 720 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--autoplay-policy=no-user-gesture-required"],
});
const report = { pageErrors: [], requests: [], presses: [] };
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on("pageerror", (err) => report.pageErrors.push(String(err)));
  page.on("request", (req) => report.requests.push(req.url()));
  await page.goto(url);
  // The player is in once the step fragments exist.
  await page.waitForFunction(() => document.querySelectorAll(".convanim-step").length > 0, null,
                             { timeout: 30000 });
  const state = () => page.evaluate(() => {
    const v = document.querySelector(".convanim-steps video");
    return { paused: v.paused, time: v.currentTime, fragments: document.querySelectorAll(".convanim-step").length,
             shown: document.querySelectorAll(".convanim-step.visible").length,
             data: window.convanimSteps.data[v.getAttribute("data-steps")] };
  });
  report.initial = await state();
  // Wait until the video has stopped at a boundary (or 30 s).
  const settle = () => page.waitForFunction(() => {
    const v = document.querySelector(".convanim-steps video");
    return v.paused && v.readyState >= 2 && !v.seeking;
  }, null, { timeout: 30000, polling: 50 });
  for (const key of ["ArrowRight", "ArrowRight", "ArrowRight", "ArrowLeft"]) {
    await page.keyboard.press(key);
    await page.waitForTimeout(100);
    await settle();
    report.presses.push({ key, ...(await state()) });
  }
  await page.screenshot({ path: join(shotDir, "steps.png") });
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(report));
