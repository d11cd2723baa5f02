// Drive an interactive convanim figure (convanim render … -o fig.html) in headless Chromium and
// report, as JSON on stdout, what it showed after each action.
//
//   node tests/figure_check.mjs URL ACTIONS_JSON [SCREENSHOT_DIR]
//
// ACTIONS_JSON is a list of steps, run in order:
//   {"key": ","}                      press a key (in the page, or the figure's frame)
//   {"hover": SELECTOR} / {"click": SELECTOR} / {"focus": SELECTOR}
//   {"frame": "iframe"}               act inside this iframe from now on ({"frame": null}: the page)
//   {"state": NAME}                   record the figure's state under NAME
//   {"eval": NAME, "js": EXPR}         record EXPR evaluated in the top page (e.g. Reveal.getIndices())
//   {"shot": NAME}                    screenshot of the page into SCREENSHOT_DIR/NAME.png
//   {"wait": "reveal"}                wait for reveal.js to be ready
//   {"goto": URL}                     open another page in the same browser (its load time is
//                                     added to the report's "loads")
// The report also lists every request, failed request, console error and page error, and the
// page's load time (navigation start to the end of the load event, from the browser's timing).
// Chromium as tests/_browser.mjs starts it. Used by tests/test_html.py; the assertions live there.
import { join } from "node:path";
import { cli, painted, record, withChromium } from "./_browser.mjs";

const [url, actionsJson, shotDir] = cli("node figure_check.mjs URL ACTIONS_JSON [SCREENSHOT_DIR]", 2);
const actions = JSON.parse(actionsJson);

const report = { url, loads: [], states: {}, evals: {}, pageErrors: [], consoleErrors: [], failedRequests: [], requests: [] };

// What the figure shows: lit (shaded) cells of each grid, the current step's output cell, the
// window outline, the arithmetic line and its parts; for a stack (graph) figure, the lit nodes
// (the receptive field) and the fed ones.
const readState = () => {
  const lit = (g) =>
    [...document.querySelectorAll(`polygon[data-g="${g}"].s`)].map((e) => +e.getAttribute("data-i")).sort((a, b) => a - b);
  const note = document.getElementById("note");
  const part = (cls) => {
    const e = note.querySelector("." + cls);
    return e ? e.textContent : null;
  };
  const current = document.querySelector('polygon[data-g="o"][aria-current="step"]');
  const nodes = (cls) =>
    [...document.querySelectorAll(`circle[data-g="n"].${cls}`)].map((e) => +e.getAttribute("data-i")).sort((a, b) => a - b);
  const win = document.getElementById("win");
  return {
    litInput: lit("i"),
    litOutput: lit("o"),
    current: current ? +current.getAttribute("data-i") : null,
    window: win ? win.getAttribute("points") : null,
    litNodes: nodes("on"),
    fedNodes: nodes("fd"),
    note: note.textContent,
    value: part("value"),
    products: part("products"),
    feeds: part("feeds"),
    step: document.getElementById("count").textContent,
    slider: +document.getElementById("slider").value,
    playing: document.getElementById("play").getAttribute("aria-pressed") === "true",
    visibleOutputs: [...document.querySelectorAll('text[data-g="o"]:not(.h)')].map((e) => +e.getAttribute("data-i")),
  };
};

await withChromium(async (page) => {
  record(page, report);
  await page.goto(url, { waitUntil: "load" });
  const loadTime = () =>
    page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      return nav.loadEventEnd || nav.domContentLoadedEventEnd;
    });
  report.loadMs = await loadTime();
  let where = page; // the page, or a frame of it
  for (const a of actions) {
    if ("goto" in a) {
      await page.goto(a.goto, { waitUntil: "load" });
      report.loads.push({ url: a.goto, ms: await loadTime() });
      where = page;
    } else if ("wait" in a) {
      await page.waitForFunction(() => window.Reveal && Reveal.isReady(), null, { timeout: 20000 });
      await page.evaluate(() => Reveal.configure({ transition: "none", backgroundTransition: "none" }));
    } else if ("frame" in a) {
      if (a.frame === null) where = page;
      else {
        const handle = await page.waitForSelector(a.frame, { state: "attached" });
        where = await handle.contentFrame();
        await where.waitForSelector("#note", { state: "attached" });
      }
    } else if ("key" in a) {
      await page.keyboard.press(a.key);
    } else if ("hover" in a) {
      await where.hover(a.hover);
    } else if ("click" in a) {
      await where.click(a.click);
    } else if ("focus" in a) {
      await where.focus(a.focus);
    } else if ("state" in a) {
      await painted(where);
      report.states[a.state] = await where.evaluate(readState);
    } else if ("eval" in a) {
      await painted(page);
      report.evals[a.eval] = await page.evaluate(a.js);
    } else if ("shot" in a) {
      await painted(page);
      if (shotDir) await page.screenshot({ path: join(shotDir, `${a.shot}.png`) });
    } else {
      throw new Error(`unknown action ${JSON.stringify(a)}`);
    }
  }
});
process.stdout.write(JSON.stringify(report, null, 1));
