// Visit every slide (and every fragment step) of a reveal.js page in headless Chromium and
// report, as JSON on stdout, what each slide's images and videos did.
//
//   node tests/browser_check.mjs URL SCREENSHOT_DIR
//
// Chromium as tests/_browser.mjs starts it. Used by tests/test_browser.py; the assertions live
// there.
import { join } from "node:path";
import { cli, painted, record, withChromium } from "./_browser.mjs";

const [url, shotDir] = cli("node browser_check.mjs URL SCREENSHOT_DIR", 2);

const report = { url, slides: [], pageErrors: [], consoleErrors: [], failedRequests: [], requests: [] };
// What one fragment step shows: visible elements reaching outside the slide, KaTeX errors, and
// formulas left as raw TeX. Runs in the page.
const inspectStep = async () => {
  // Images still loading change the layout when they arrive: wait for them first (bounded).
  const section = Reveal.getCurrentSlide();
  await Promise.all(
    [...section.querySelectorAll("img")].map((img) =>
      img.complete ? null : Promise.race([img.decode().catch(() => {}), new Promise((r) => setTimeout(r, 10000))]),
    ),
  );
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const frame = document.querySelector(".reveal .slides").getBoundingClientRect();
  // A fragment is judged by whether it is shown, not by its opacity mid-fade (0 just after
  // it is shown: judged by opacity, a fragment that overflows the slide went unseen).
  const seen = (el) => {
    const fragment = el.closest(".fragment");
    if (fragment && !fragment.classList.contains("visible")) return false;
    if (fragment) return true;
    return el.checkVisibility ? el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) : true;
  };
  const outside = [];
  for (const el of section.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0 || !seen(el)) continue;
    if (r.left < frame.left - 1 || r.top < frame.top - 1 || r.right > frame.right + 1 || r.bottom > frame.bottom + 1) {
      outside.push({
        tag: el.tagName.toLowerCase(),
        cls: el.className && el.className.baseVal === undefined ? el.className : "",
        text: (el.textContent || el.getAttribute("src") || "").trim().slice(0, 60),
        top: Math.round(r.top - frame.top),
        bottom: Math.round(r.bottom - frame.top),
        left: Math.round(r.left - frame.left),
        right: Math.round(r.right - frame.left),
      });
    }
  }
  const katexErrors = [...section.querySelectorAll(".katex-error")].map((e) => e.textContent.slice(0, 80));
  // Text outside code and formulas that still holds a $: TeX that Markdown mangled or KaTeX missed.
  const walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
  const rawTex = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest("code, pre, .katex, script, style")) continue;
    if (node.textContent.includes("$")) rawTex.push(node.textContent.trim().slice(0, 80));
  }
  return { outside, katexErrors, rawTex, fragment: Reveal.getIndices().f ?? null };
};

await withChromium(async (page) => {
  record(page, report);

  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => window.Reveal && Reveal.isReady(), null, { timeout: 20000 });
  report.reveal = await page.evaluate(() => ({
    total: Reveal.getTotalSlides(),
    markdownLeft: document.querySelectorAll("[data-markdown]:not([data-markdown-parsed])").length,
  }));
  // No slide or fragment transitions: every step is on screen as soon as it is painted, so the
  // walk needs no sleeps (which are slow and, on a loaded machine, still not always enough).
  await page.evaluate(() => Reveal.configure({ transition: "none", backgroundTransition: "none" }));
  await page.addStyleTag({ content: ".reveal .fragment { transition: none !important; }" });

  const total = report.reveal.total;
  for (let index = 0; index < total; index++) {
    await page.evaluate((i) => {
      const slide = Reveal.getSlides()[i];
      const { h, v } = Reveal.getIndices(slide);
      Reveal.slide(h, v, -1);
    }, index);
    const slide = { index, title: "", images: [], videos: [], shots: [], steps: [] };
    // Every fragment step, so overlays that appear and vanish are each on screen once.
    let step = 0;
    for (;;) {
      await painted(page);
      const shot = join(shotDir, `slide-${String(index).padStart(2, "0")}-${step}.png`);
      await page.screenshot({ path: shot });
      slide.shots.push(shot);
      slide.steps.push(await page.evaluate(inspectStep));
      const advanced = await page.evaluate(() => Reveal.nextFragment());
      if (!advanced || step > 20) break;
      step++;
    }
    const found = await page.evaluate(async (i) => {
      const section = Reveal.getSlides()[i];
      const heading = section.querySelector("h1, h2");
      const images = await Promise.all(
        [...section.querySelectorAll("img")].map(async (img) => {
          try {
            await img.decode();
          } catch (e) {
            /* a broken image: naturalWidth stays 0 */
          }
          return { src: img.getAttribute("src"), naturalWidth: img.naturalWidth };
        }),
      );
      return { title: heading ? heading.textContent.trim() : "", images };
    }, index);
    slide.title = found.title;
    slide.images = found.images;
    // A video should be able to play: wait (bounded) for readyState >= 2 (HAVE_CURRENT_DATA).
    const videoCount = await page.evaluate((i) => Reveal.getSlides()[i].querySelectorAll("video").length, index);
    if (videoCount) {
      await page
        .waitForFunction(
          (i) => [...Reveal.getSlides()[i].querySelectorAll("video")].every((v) => v.readyState >= 2),
          index,
          { timeout: 20000 },
        )
        .catch(() => {});
      await page.waitForTimeout(500);
      slide.videos = await page.evaluate(
        (i) =>
          [...Reveal.getSlides()[i].querySelectorAll("video")].map((v) => ({
            src: v.currentSrc,
            readyState: v.readyState,
            paused: v.paused,
            currentTime: v.currentTime,
            videoWidth: v.videoWidth,
            error: v.error ? v.error.code : null,
            poster: v.getAttribute("poster"),
          })),
        index,
      );
      const shot = join(shotDir, `slide-${String(index).padStart(2, "0")}-video.png`);
      await page.screenshot({ path: shot });
      slide.shots.push(shot);
    }
    report.slides.push(slide);
  }

  // As the audience sees it: fragments fade in (0.2 s) and the page fits each slide when a
  // fragment is shown, at which moment the fragment is still transparent. Every fragment
  // step again, transitions on, once they have ended.
  await page.reload({ waitUntil: "load" });
  await page.waitForFunction(() => window.Reveal && Reveal.isReady(), null, { timeout: 20000 });
  await page.evaluate(() => Reveal.configure({ transition: "none", backgroundTransition: "none" }));
  report.live = [];
  for (let index = 0; index < total; index++) {
    const fragments = await page.evaluate((i) => {
      const slide = Reveal.getSlides()[i];
      const { h, v } = Reveal.getIndices(slide);
      Reveal.slide(h, v, -1);
      return slide.querySelectorAll(".fragment").length;
    }, index);
    for (let step = 1; fragments && step <= 20; step++) {
      if (!(await page.evaluate(() => Reveal.nextFragment()))) break;
      await page.waitForTimeout(450);
      const seen = await page.evaluate(inspectStep);
      report.live.push({ index, step, outside: seen.outside });
    }
  }
});
process.stdout.write(JSON.stringify(report, null, 1));
