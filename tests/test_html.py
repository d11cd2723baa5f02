"""Interactive figures (``convanim render … -o fig.html``): the page itself (self-contained,
small, named cells, the plan's frames and the engine's arithmetic), then the page in headless
Chromium opened from disk, with PyTorch as the oracle for what a hover lights up and writes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import cli_args, run_convanim

from convanim.draw import catalogue
from convanim.draw.html import HtmlOptions, html_document
from convanim.draw.themes import DEFAULT_MARGIN_PX

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "figure_check.mjs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

ANIMATIONS = [n for n in catalogue.names() if catalogue.get(n).kind != "figure"]

X = [[1, 2, 0, 3, 1], [0, 4, 1, 2, 2], [3, 1, 5, 0, 1], [2, 2, 1, 1, 0], [0, 1, 3, 2, 4]]
W = [[1, 0, -1], [2, 1, 0], [0, 1, 3]]


def _num(text: str) -> float:
    """A number as the figure writes it (a real minus sign)."""
    return float(text.replace("−", "-"))


def _data(doc: str) -> dict:
    """The figure's data block (the JSON its script reads)."""
    m = re.search(r'<script type="application/json" id="data">(.*?)</script>', doc, re.S)
    assert m
    return json.loads(m.group(1).replace("<\\/", "</"))


def _render(tmp_path: Path, command: str, *more: str, name: str = "fig") -> Path:
    """``convanim render COMMAND MORE… -o NAME.html`` (COMMAND split as a shell splits it; MORE
    as given, for JSON values), checked to succeed."""
    out = tmp_path / f"{name}.html"
    proc = run_convanim(*cli_args(f"render {command}", *more, "-o", str(out)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    return out


# --------------------------------------------------------------------------- the document


@pytest.mark.parametrize("name", ANIMATIONS)
def test_catalogue_pages_are_small_self_contained_and_follow_the_plan(
    name: str, tmp_path: Path
) -> None:
    out = catalogue.render_named(name, tmp_path / f"{name}.html")
    doc = out.read_text(encoding="utf-8")
    assert out.stat().st_size < 100_000
    # Nothing to fetch: no URL but the SVG namespace, no src/href but the empty icon.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", doc))
    assert urls <= {"http://www.w3.org/2000/svg"}
    assert re.findall(r"\b(?:src|href)=\"([^\"]*)\"", doc) == ["data:,"]
    assert "@import" not in doc and "url(" not in doc
    plan = catalogue.plan_named(name)
    data = _data(doc)
    assert len(data["f"]) == len(plan.frames)
    g_in, g_out = plan.grid("input"), plan.grid("output")
    for item, frame in zip(data["f"], plan.frames, strict=True):
        assert item["o"] == frame.output_cell[0] * g_out.cols + frame.output_cell[1]
        assert item["w"] == [r * g_in.cols + c for r, c in frame.window]
        assert ("l" in item) == bool(frame.lines)
        # Side by side, nothing hides the window: no dashed trace of it over the output.
        assert "g" not in item or plan.look == "perspective"
    assert data["dur"] == plan.durations
    # Every cell of both grids is drawn once, focusable and named.
    cells = re.findall(
        r'<polygon class="c [a-z]+" data-g="([io])" data-i="(\d+)" tabindex="0"', doc
    )
    assert len(cells) == g_in.rows * g_in.cols + g_out.rows * g_out.cols
    assert len(set(cells)) == len(cells)
    assert doc.count("aria-label=") >= len(cells)
    assert '<title id="ttl">' in doc and '<desc id="dsc">' in doc and 'aria-live="polite"' in doc
    for label in plan.labels:
        assert f">{label.text}</text>" in doc.replace("&#x27;", "'")
    for _, text in plan.legend:
        assert f">{text}</text>" in doc


def test_the_arithmetic_is_the_engines(tmp_path: Path) -> None:
    """Every step's products and value are the trace's, formatted as the plan formats them."""
    entry = catalogue.get("numerical_padding_strides")
    trace = catalogue.entry_trace(entry)
    plan = catalogue.entry_plan(entry, trace=trace)
    data = _data(html_document(plan, trace=trace))
    for item, step in zip(data["f"], trace.steps, strict=True):
        a = item["a"]
        assert _num(a["v"]) == pytest.approx(step.value)
        assert [_num(t[3]) for t in a["t"]] == pytest.approx([t.product for t in step.taps])
        assert sum(_num(t[3]) for t in a["t"]) == pytest.approx(_num(a["v"]))


def test_theme_size_and_transparency(tmp_path: Path) -> None:
    plan = catalogue.plan_named("padding_strides")
    light = html_document(plan)
    dark = html_document(plan, HtmlOptions(theme="dark", cell_px=40, transparent=True))
    assert "#002b36" in light and "html{background:#ffffff}" in light
    assert "html{background:transparent}" in dark and "polygon.ro{fill:#2aa198}" in dark
    w, h = plan.pixel_size(40, DEFAULT_MARGIN_PX)  # the margin both renderers share
    assert f'viewBox="0 0 {w} {h}"' in dark  # the GIF's size at the same cell size
    with pytest.raises(ValueError, match="unknown theme"):
        HtmlOptions(theme="neon")
    # --ink light, as for a GIF on a dark slide: the dark theme's text on the default colours.
    light = html_document(plan, HtmlOptions(ink="light", transparent=True))
    assert ".lb{fill:#fdf6e3}" in light and "polygon.ri{fill:#268bd2}" in light
    with pytest.raises(ValueError, match="unknown ink"):
        HtmlOptions(ink="purple")


def test_cli_picks_html_from_the_suffix_and_refuses_bad_input(tmp_path: Path) -> None:
    out = _render(tmp_path, "conv -i 7 -k 3 -d 2 --numbers")
    data = _data(out.read_text(encoding="utf-8"))
    assert data["out"][0].startswith("y[0] = ")  # a 1-D operation: one index
    assert data["in"][0] == "x[0] = " + data["in"][0].split(" = ")[1]
    bad = run_convanim(*cli_args("render conv -i 4 -k 5 -o", str(tmp_path / "bad.html")))
    assert bad.returncode == 2 and bad.stderr.count("Error:") == 1, bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "bad.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["fig.html"]  # no half-written file


# --------------------------------------------------------------------------- in Chromium


def _chromium(url: str, actions: list, shots: Path | None = None) -> dict:
    assert shutil.which("node"), "node is needed (scripts/setup.sh installs it)"
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} missing: apt-get install chromium"
    assert (ROOT / "node_modules" / "playwright-core").is_dir(), "run npm install"
    args = ["node", str(SCRIPT), url, json.dumps(actions)] + ([str(shots)] if shots else [])
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["pageErrors"] == [] and report["consoleErrors"] == []
    assert report["failedRequests"] == []
    return report


def _torch():
    t = pytest.importorskip("torch")
    t.set_num_threads(1)
    return t


def _cell(grid: str, index: int) -> str:
    return f'polygon[data-g="{grid}"][data-i="{index}"]'


@pytest.mark.slow
def test_conv_figure_steps_and_hover_match_torch(tmp_path: Path) -> None:
    torch = _torch()
    out = _render(
        tmp_path, "conv -i 5x5 -k 3 -s 2 -p 1 --values", json.dumps(X), "--weights", json.dumps(W)
    )
    y = torch.nn.functional.conv2d(
        torch.tensor(X, dtype=torch.float64)[None, None],
        torch.tensor(W, dtype=torch.float64)[None, None],
        stride=2,
        padding=1,
    )[0, 0]
    # Which padded-grid cells each output reads: unfold a map of cell indices (7x7 grid).
    index = torch.arange(49, dtype=torch.float64).reshape(1, 1, 7, 7)
    windows = torch.nn.functional.unfold(index, 3, stride=2)[0].T.long().tolist()  # (9, 9)
    shots = tmp_path / "shots"
    shots.mkdir()
    report = _chromium(
        out.as_uri(),
        [{"state": "start"}, {"key": "."}, {"key": "."}, {"key": "."}, {"state": "next3"}]
        + [{"key": ","}, {"key": "]"}, {"key": "["}, {"state": "back"}]
        + [{"hover": _cell("o", 7)}, {"state": "hover7"}, {"shot": "hover7"}]
        + [{"hover": _cell("i", 16)}, {"state": "input16"}]
        + [{"click": "#play"}, {"state": "playing"}]
        + [{"eval": "label", "js": "getComputedStyle(document.querySelector('text.lb')).fontSize"}]
        + [{"goto": out.as_uri()}, {"goto": out.as_uri()}],
        shots,
    )
    # Opened from disk, it loaded itself and nothing else, quickly (best of three visits: the
    # machine runs other work, and a slow visit measures that work, not the page).
    assert set(report["requests"]) == {out.as_uri()}
    assert min([report["loadMs"]] + [load["ms"] for load in report["loads"]]) < 200
    s = report["states"]
    assert s["start"]["current"] == 0 and s["start"]["litInput"] == sorted(windows[0])
    # Next three times: the fourth output cell in raster order, y[1,0], and its window.
    assert s["next3"]["current"] == 3 and s["next3"]["litOutput"] == [3]
    assert s["next3"]["litInput"] == sorted(windows[3])
    assert s["next3"]["step"] == "step 4 / 9" and s["next3"]["slider"] == 3
    assert _num(s["next3"]["value"]) == pytest.approx(float(y[1, 0]))
    assert s["back"]["current"] == 2  # , then ] then [
    # Hovering y[2,1]: its window lights up and its value is written; the step stays.
    h = s["hover7"]
    assert h["litInput"] == sorted(windows[7]) and h["litOutput"] == [7]
    assert _num(h["value"]) == pytest.approx(float(y[2, 1]))
    products = [_num(p) for p in h["products"].split(" + ")]
    assert sum(products) == pytest.approx(float(y[2, 1]))
    assert h["current"] == 2 and h["note"].startswith("y[2,1] = ")
    # Hovering x[1,1] (grid cell 16 = row 2, col 2 of the padded 7x7 grid): the outputs whose
    # windows hold it, from the unfolded index map.
    feeds = sorted(o for o, cells in enumerate(windows) if 16 in cells)
    assert s["input16"]["litOutput"] == feeds and s["input16"]["litInput"] == [16]
    assert s["input16"]["note"].startswith(f"x[1,1] = {X[1][1]} feeds {len(feeds)} outputs")
    assert s["playing"]["playing"]
    # The labels are drawn at the plan's size (0.5 cell), not the cells' text size.
    assert report["evals"]["label"] == f"{0.5 * 29.5:g}px"


@pytest.mark.slow
def test_transposed_figure_input_hover_lights_every_output_it_scatters_to(
    tmp_path: Path,
) -> None:
    torch = _torch()
    x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    # perspective: the planes never overlap, every input cell is reachable
    out = _render(
        tmp_path, "transposed -i 3x3 -k 3 -s 2 -p 1 --output-padding 1 --values", json.dumps(x)
    )
    data = _data(out.read_text(encoding="utf-8"))
    cols = 6  # the 6x6 output
    actions: list = []
    wanted = {}
    for a in range(3):
        for b in range(3):
            # The drawn grid cell of x[a,b] (the figure names every cell).
            cell = data["in"].index(f"x[{a},{b}] = {x[a][b]}")
            one = torch.zeros(1, 1, 3, 3, dtype=torch.float64)
            one[0, 0, a, b] = 1
            # Where a one-hot input lands under an all-ones kernel: the outputs it feeds.
            y = torch.nn.functional.conv_transpose2d(
                one,
                torch.ones(1, 1, 3, 3, dtype=torch.float64),
                stride=2,
                padding=1,
                output_padding=1,
            )[0, 0]
            wanted[f"{a}{b}"] = sorted(int(i) for i in torch.nonzero(y.flatten()).flatten())
            assert y.shape == (6, 6)
            actions += [{"hover": _cell("i", cell)}, {"state": f"{a}{b}"}]
    report = _chromium(out.as_uri(), actions + [{"shot": "last"}], tmp_path)
    for key, outs in wanted.items():
        state = report["states"][key]
        assert state["litOutput"] == outs, key
        assert state["note"].split(": ")[0].endswith(f"scatters to {len(outs)} outputs")
    # The overlap: the middle input cell x[1,1] scatters to a 3x3 block, a corner to 2x2.
    assert len(wanted["11"]) == 9 and len(wanted["00"]) == 4
    assert all(o < cols * cols for outs in wanted.values() for o in outs)


@pytest.mark.slow
def test_pool_and_dark_figure_in_chromium(tmp_path: Path) -> None:
    torch = _torch()
    values = [[1, 4, 2, 0], [3, 2, 5, 1], [0, 6, 2, 3], [1, 2, 4, 7]]
    dark = "--theme dark --style perspective"
    out = _render(
        tmp_path, f"pool -i 4x4 -k 2 --kind max --numbers {dark} --values", json.dumps(values)
    )
    y = torch.nn.functional.max_pool2d(torch.tensor(values, dtype=torch.float64)[None], 2)[0]
    report = _chromium(
        out.as_uri(),
        [{"hover": _cell("o", k)} for k in range(1)]
        + [{"state": "o0"}, {"hover": _cell("o", 3)}, {"state": "o3"}, {"shot": "dark"}],
        tmp_path,
    )
    assert _num(report["states"]["o0"]["value"]) == y[0, 0]
    assert _num(report["states"]["o3"]["value"]) == y[1, 1]
    assert report["states"]["o3"]["note"] == "y[1,1] = max(2, 3, 4, 7) = 7"
    # Power-average pooling writes its formula, with torch's value.
    lp = _render(tmp_path, "pool -i 4x4 -k 2 --kind lp --norm-type 3 --values", json.dumps(values))
    report = _chromium(lp.as_uri(), [{"hover": _cell("o", 3)}, {"state": "lp"}])
    want = torch.nn.functional.lp_pool2d(torch.tensor(values, dtype=torch.float64)[None], 3, 2)[
        0, 1, 1
    ]
    note = report["states"]["lp"]["note"]
    assert note.startswith("y[1,1] = (2^3 + 3^3 + 4^3 + 7^3)^(1/3) = ")
    assert _num(report["states"]["lp"]["value"]) == pytest.approx(float(want), abs=0.01)


DECK = """# Interactive figures

---

## Padding and strides

{{CONVANIM:numerical_padding_strides template=interactive fragment_index=0 height=560px}}

---

## After

The next slide.
"""


@pytest.mark.slow
def test_figure_in_a_built_deck_steps_and_hovers_while_reveal_keys_move_slides(
    tmp_path: Path,
) -> None:
    torch = _torch()
    deck = tmp_path / "deck.md"
    deck.write_text(DECK, encoding="utf-8")
    out = tmp_path / "site"
    proc = run_convanim("build", deck, "-o", out, "--html", timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rel = "assets/images/deck/numerical_padding_strides.html"
    assert (out / rel).is_file()
    built = (out / "deck.md").read_text(encoding="utf-8")
    assert f'<iframe src="{rel}"' in built and 'class="fragment" data-fragment-index="0"' in built
    # The paper's numbers (Fig 1.2), recomputed by torch.
    from convanim.engine import examples

    x, w = examples.conv_arithmetic_values()
    y = torch.nn.functional.conv2d(
        torch.tensor(x)[None, None], torch.tensor(w)[None, None], stride=2, padding=1
    )[0, 0]
    frag = "document.querySelector('iframe').closest('figure').classList.contains('visible')"
    actions = [
        {"wait": "reveal"},
        {"eval": "start", "js": "Reveal.slide(1), Reveal.getIndices()"},
        {"eval": "hidden", "js": frag},
        {"eval": "shown", "js": f"Reveal.nextFragment(), {frag}"},
        {"frame": "iframe"},
        {"hover": _cell("o", 4)},
        {"state": "hover"},
        {"shot": "deck-hover"},
        {"click": "#next"},
        {"click": "#next"},
        {"state": "stepped"},
        {"click": _cell("o", 5)},  # the figure has the focus now
        {"key": "."},
        {"state": "key"},
        {"click": "#play"},
        {"state": "playing"},
        {"key": "ArrowRight"},  # a reveal.js key, pressed inside the figure
        {"eval": "moved", "js": "Reveal.getIndices()"},
        {"state": "left"},  # reveal.js told the figure its slide was left: it paused
        {"frame": None},
        {"key": "ArrowLeft"},  # and on the deck itself
        {"eval": "back", "js": "Reveal.getIndices()"},
    ]
    report = _chromium((out / "deck.html").as_uri(), actions, tmp_path)
    e, s = report["evals"], report["states"]
    assert e["start"]["h"] == 1 and e["hidden"] is False and e["shown"] is True
    assert s["hover"]["litOutput"] == [4] and len(s["hover"]["litInput"]) == 9
    assert _num(s["hover"]["value"]) == pytest.approx(float(y[1, 1]))
    assert s["stepped"]["current"] == 2 and s["stepped"]["step"] == "step 3 / 9"
    assert s["key"]["current"] == 6  # clicked y[1,2] (step 6), then "." to step 7
    assert e["moved"]["h"] == 2 and e["back"]["h"] == 1
    assert s["playing"]["playing"] and not s["left"]["playing"]
    outside = [u for u in report["requests"] if not u.startswith(out.as_uri() + "/")]
    assert outside == []
    assert out.as_uri() + "/" + rel in report["requests"]


def _receptive_field(torch, dilations: list[int], length: int, t: int) -> list[int]:
    """Which inputs output ``t`` of a stack of causal k=2 convolutions reads: the nonzero
    gradient of that output with respect to the input, by torch's autograd."""
    x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
    h = x
    for d in dilations:
        h = torch.nn.functional.conv1d(
            torch.nn.functional.pad(h, (d, 0)),
            torch.ones(1, 1, 2, dtype=torch.float64),
            dilation=d,
        )
    h[0, 0, t].backward()
    return [int(i) for i in torch.nonzero(x.grad[0, 0]).flatten()]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, dilations", [("wavenet_before", [1] * 4), ("wavenet_after", [1, 2, 4, 8])]
)
def test_wavenet_graph_steps_and_hover_match_autograd(
    name: str, dilations: list[int], tmp_path: Path
) -> None:
    torch = _torch()
    out = catalogue.render_named(name, tmp_path / f"{name}.html")
    assert out.stat().st_size < 100_000
    doc = out.read_text(encoding="utf-8")
    names = _data(doc)["names"]
    y15, x3 = names.index("y[15]"), names.index("x[3]")
    report = _chromium(
        out.as_uri(),
        [{"key": "."}] * 4
        + [{"state": "last"}, {"hover": f'circle[data-i="{y15}"]'}, {"state": "y15"}]
        + [{"hover": f'circle[data-i="{x3}"]'}, {"state": "x3"}],
    )
    field = _receptive_field(torch, dilations, 16, 15)
    s = report["states"]
    last = s["last"]["note"]
    assert last.startswith(f"y[15] depends on {len(field)} nodes of the input")
    assert last.endswith(f"x[{field[0]}] … x[{field[-1]}]")
    lit_inputs = sorted(int(names[i][2:-1]) for i in s["last"]["litNodes"] if names[i][0] == "x")
    assert lit_inputs == field
    assert s["y15"]["note"].startswith(f"y[15] reads {len(field)} inputs")
    # x[3] feeds every output whose receptive field holds it.
    feeds = [t for t in range(16) if 3 in _receptive_field(torch, dilations, 16, t)]
    assert f"feeds {len(feeds)} outputs" in s["x3"]["note"]
    fed = sorted(int(names[i][2:-1]) for i in s["x3"]["fedNodes"] if names[i][0] == "y")
    assert fed == feeds


@pytest.mark.parametrize("name", ["ambiguity", "vision_kernels"])
def test_stills_refuse_an_interactive_page_in_one_line(name: str, tmp_path: Path) -> None:
    proc = run_convanim("render", name, "-o", tmp_path / "x.html")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "still figure" in proc.stderr and "render it as .png" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_page_limits_are_checked_before_any_work(tmp_path: Path) -> None:
    """A page is drawn once: no GIF pixel budget over frames, but its steps are bounded."""
    big = catalogue.render_custom("conv", tmp_path / "ok.html", input_size=(40, 40), kernel_size=3)
    assert big.stat().st_size < 2_000_000
    with pytest.raises(ValueError, match="refusing to make a page of 3364 steps"):
        catalogue.render_custom("conv", tmp_path / "no.html", input_size=(60, 60), kernel_size=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.html"]


@pytest.mark.slow
def test_keyboard_focus_and_taps_work_like_hover(tmp_path: Path) -> None:
    """Without a mouse: focusing a cell shows what hovering shows, Enter on an output cell
    moves the step there, Enter or a tap on an input cell pins what it feeds."""
    out = catalogue.render_named("padding_strides", tmp_path / "f.html", look="flat")
    plan = catalogue.plan_named("padding_strides", look="flat")
    g_in = plan.grid("input")
    feeds = sorted(
        f.output_cell[0] * 3 + f.output_cell[1] for f in plan.frames if (2, 2) in f.window
    )
    centre = 2 * g_in.cols + 2  # grid cell (2, 2): x[1,1] under padding 1
    report = _chromium(
        out.as_uri(),
        [{"focus": _cell("o", 5)}, {"state": "focused"}, {"key": "Enter"}, {"state": "entered"}]
        + [{"focus": _cell("i", centre)}, {"key": "Enter"}, {"focus": "#next"}]
        + [{"state": "pinned"}, {"click": _cell("i", centre)}, {"state": "unpinned"}]
        + [{"click": _cell("i", centre)}, {"hover": "#count"}, {"state": "tapped"}],
    )
    s = report["states"]
    assert s["focused"]["litOutput"] == [5] and s["focused"]["current"] == 0
    assert s["focused"]["note"].startswith("y[1,2] = ")
    assert s["entered"]["current"] == 5 and s["entered"]["step"] == "step 6 / 9"
    # Pinned: the focus left the cell, what it feeds stays lit.
    assert s["pinned"]["litOutput"] == feeds and s["pinned"]["litInput"] == [centre]
    assert s["unpinned"]["litOutput"] == [5]  # a second tap unpins: back to the step
    assert s["tapped"]["litOutput"] == feeds and "feeds" in s["tapped"]["note"]


def test_embed_prints_an_iframe_and_renders_the_page(tmp_path: Path) -> None:
    embed = "embed padding_strides --template interactive"
    proc = run_convanim(*cli_args(f"{embed} --height 480 --fragment-index 2 --root", str(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    (src,) = re.findall(r'<iframe src="([^"]+)"', proc.stdout)
    assert src.endswith("padding_strides.html") and (tmp_path / src).is_file()
    assert "height: 480px" in proc.stdout and 'data-fragment-index="2"' in proc.stdout
    bad = run_convanim(*cli_args(f"{embed} --height tall --root", str(tmp_path)))
    assert bad.returncode == 2 and "height 'tall' must look like" in bad.stderr


SWEEP = {
    "conv2d": "conv -i 5x5 -k 3 -s 2 -p 1",
    "conv2d_flat_numbers": "conv -i 5x6 -k 2,3 -d 2 --numbers",
    "conv1d": "conv -i 9 -k 3 -s 2",
    "conv1d_numbers": "conv -i 7 -k 3 -p same --numbers --theme dark",
    "transposed2d": "transposed -i 3x3 -k 3 -s 2",
    "transposed1d": "transposed -i 4 -k 3 -s 3 --numbers",
    "max2d_perspective": "pool -i 5x5 -k 3 -s 2 --numbers --style perspective",
    "avg1d": "pool -i 8 -k 2 --kind avg --numbers --transparent",
    "conv_mode": "conv -i 4x4 -k 3 -p 1 --mode convolution",
    "dilation": "dilation --cell-size 40 --no-labels --no-legend",
    "numerical_max_pooling": "numerical_max_pooling",
}


@pytest.mark.slow
def test_every_operation_and_look_opens_steps_and_hovers(tmp_path: Path) -> None:
    """Every operation, 1-D and 2-D, flat and perspective, with and without numbers, in one
    browser: each page opens without an error, steps, and a hover on its first output cell
    lights exactly the plan's first window and writes a value."""
    pages, actions = {}, []
    for key, command in SWEEP.items():
        out = _render(tmp_path, command, name=key)
        data = _data(out.read_text(encoding="utf-8"))
        pages[key] = data
        first_input = data["roles"].index("i")
        actions += [{"goto": out.as_uri()}, {"key": "."}, {"state": f"{key}-step"}]
        actions += [{"hover": _cell("o", data["f"][0]["o"])}, {"state": f"{key}-out"}]
        actions += [{"focus": _cell("i", first_input)}, {"state": f"{key}-in"}]
    report = _chromium("about:blank", actions)
    for key, data in pages.items():
        s = report["states"]
        assert s[f"{key}-step"]["current"] == data["f"][1]["o"], key
        out = s[f"{key}-out"]
        assert out["litInput"] == sorted(data["f"][0]["w"]) and out["value"], key
        first_input = data["roles"].index("i")
        feeds = sorted({f["o"] for f in data["f"] if first_input in f["w"]})
        assert s[f"{key}-in"]["litOutput"] == feeds, key
    assert len(report["loads"]) == len(SWEEP)


def test_build_copies_pages_embedded_by_hand_and_by_path(tmp_path: Path) -> None:
    deck_dir = tmp_path / "deck"
    page = catalogue.render_named("padding_strides", deck_dir / "assets" / "ps.html")
    (deck_dir / "talk.md").write_text(
        '# T\n\n---\n\n<iframe src="assets/ps.html"></iframe>\n\n---\n\n'
        "{{CONVANIM:assets/ps.html height=400px}}\n\n{{CONVANIM:dilation format=html}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "site"
    proc = run_convanim("build", deck_dir / "talk.md", "-o", out, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (out / "assets" / "ps.html").read_bytes() == page.read_bytes()
    built = (out / "talk.md").read_text(encoding="utf-8")
    assert built.count('<iframe src="assets/ps.html"') == 2 and "height: 400px" in built
    (rendered,) = re.findall(r'<iframe src="(assets/images/[^"]+\.html)"', built)
    assert _data((out / rendered).read_text(encoding="utf-8"))["f"]
