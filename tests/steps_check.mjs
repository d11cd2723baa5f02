// Press → three times and ← once on a reveal.js page holding one `steps` video snippet, in
// headless Chromium, and report as JSON where the video stood (paused? at what time?) after
// each press.
//
//   node tests/steps_check.mjs URL SCREENSHOT_DIR
//
// Used by tests/test_video.py (the assertions live there). Chromium as tests/_browser.mjs starts
// it (videos may play without a gesture).
import { join } from "node:path";
import { cli, record, withChromium } from "./_browser.mjs";

const [url, shotDir] = cli("node steps_check.mjs URL SCREENSHOT_DIR", 2);
const report = { pageErrors: [], requests: [], presses: [] };
await withChromium(async (page) => {
  record(page, report);
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
}, ["--autoplay-policy=no-user-gesture-required"]);
console.log(JSON.stringify(report));
