// convanim's clicker-stepped video player for reveal.js (no plug-in: reveal.js's own fragments).
//
// `convanim render SCENE --steps` writes SCENE.steps.js beside the video: this player followed by
// one call with the scene's step boundaries. The `steps` snippet loads that file when the video's
// metadata is in (a <script> element made by the video's own onloadedmetadata handler: inline
// <script> tags do not run in reveal.js Markdown slides, and fetch() is refused from file://). The player then adds one invisible reveal.js fragment per step: → (or
// the clicker) shows the next fragment, which plays the video to that step's end and pauses there;
// ← hides it, which puts the video back at the previous step's end.
(function () {
  if (window.convanimSteps) return;
  var C = (window.convanimSteps = { data: {} });
  // Half a frame before a boundary: the last frame of the step just played, not the first
  // frame of the next one (which may already show the next window).
  function at(d, t) {
    return Math.max(0, t - 0.5 / d.fps);
  }
  function seek(v, t) {
    v._target = t;
    v.pause();
    v.currentTime = t;
  }
  function run(v, t) {
    v._target = t;
    if (v.currentTime >= t) return seek(v, t);
    var tick = function () {
      if (v._target !== t) return; // another press took over
      if (v.currentTime >= t || v.ended) seek(v, t);
      else requestAnimationFrame(tick);
    };
    var playing = v.play();
    if (playing && playing.catch) playing.catch(function () {});
    requestAnimationFrame(tick);
  }
  function step(fragment, shown) {
    if (!fragment || !fragment.classList || !fragment.classList.contains("convanim-step")) return;
    var v = fragment.closest(".convanim-steps").querySelector("video");
    var d = C.data[v.getAttribute("data-steps")];
    var k = +fragment.getAttribute("data-step");
    if (shown) run(v, at(d, d.steps[k]));
    else seek(v, at(d, k ? d.steps[k - 1] : d.start));
  }
  function each(e, shown) {
    var list = e.fragments || [e.fragment];
    for (var i = 0; i < list.length; i++) step(list[i], shown);
  }
  C.setup = function (v) {
    var d = C.data[v.getAttribute("data-steps")];
    var box = v.closest(".convanim-steps");
    if (!d || box.querySelector(".convanim-step")) return;
    for (var k = 0; k < d.steps.length; k++) {
      var f = document.createElement("span");
      f.className = "fragment convanim-step";
      f.setAttribute("data-step", String(k));
      f.style.display = "none";
      box.appendChild(f);
    }
    seek(v, at(d, d.start));
    if (window.Reveal && Reveal.sync) Reveal.sync();
  };
  C.define = function (src, d) {
    C.data[src] = d;
  };
  if (window.Reveal && Reveal.on) {
    Reveal.on("fragmentshown", function (e) {
      each(e, true);
    });
    Reveal.on("fragmenthidden", function (e) {
      each(e, false);
    });
  }
})();
