"""Internal exceptions never reach the user: what is too big for a slide, for cairo or for a CPU benchmark is one line
naming the limit and what to do instead, decided before the expensive work; a bug that still escapes is one line
too (exit 1), and no memory left is bad input like any other (exit 2)."""

from __future__ import annotations

import pytest
from helpers import one_line_exit_2, run_cli

from effnet_inspect.cli import main

TINY = "w=0.25,d=0.25,r=32"


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["r=2048", "w=8,d=6.5,r=2048"])
def test_the_largest_variants_still_make_a_legible_deck(variant):
    """The module level is cut at stages and figures scale to their box: even the limits of each coefficient fit
    (compose raises IllegibleSlide for any figure whose text would fall below the slide's minimum)."""
    from effnet_inspect.analysis.measure import analyze
    from effnet_inspect.slides import compose_all

    assert compose_all([analyze(variant)])


def test_a_slide_too_small_to_read_is_one_line_before_any_export(tmp_path, capsys, monkeypatch):
    """Should a layout ever come out too small for a custom variant, that is one line naming the poster instead."""
    import effnet_inspect.drawing.page as page
    import effnet_inspect.slides.frame as frame

    def illegible(*args, **kwargs):
        raise frame.IllegibleSlide("slide stem: text would be 12 px")

    monkeypatch.setattr(frame, "compose", illegible)
    monkeypatch.setattr(page, "export", lambda *a, **k: pytest.fail("exported before every slide was checked"))
    code, out, err = run_cli(capsys, "slides", TINY, "--out", str(tmp_path / "deck"))
    one_line_exit_2(code, out, err, f"{TINY} is too big for a slide: slide stem: text would be 12 px")
    assert "(slides keep text at 20 px or more)" in err
    assert "draw it with 'effnet-inspect diagram --size poster' instead, or use a smaller variant" in err
    assert not (tmp_path / "deck").exists()


def test_a_png_cairo_cannot_make_is_refused_before_the_analysis(tmp_path, capsys, monkeypatch):
    import effnet_inspect.api.sources as sources

    monkeypatch.setattr(sources, "analyse_all", lambda *a, **k: pytest.fail("analysed before the size was checked"))
    argv = ["diagram", "b0", "--size", "poster", "--dpi", "1200", "--format", "png", "--out", str(tmp_path / "p.png")]
    code, out, err = run_cli(capsys, *argv)
    one_line_exit_2(code, out, err, "--dpi 1200 would make an A0 poster 39732 x 56173 pixels")
    assert "cairo draws at most 32767 a side: give 699 or less, or a pdf or svg" in err


def test_the_largest_dpi_it_offers_is_drawn(tmp_path):
    from effnet_inspect.drawing.page import PageSize, check_raster

    check_raster(PageSize.POSTER, 699)  # the limit it names passes its own check
    with pytest.raises(Exception, match="give 699 or less"):
        check_raster(PageSize.POSTER, 700)


@pytest.mark.slow
def test_a_bench_estimated_beyond_the_limit_is_refused_before_building(capsys, monkeypatch):
    import effnet_inspect.bench.timing as timing

    monkeypatch.setattr(timing.Measurer, "__init__", lambda *a, **k: pytest.fail("built a measurer"))
    code, out, err = run_cli(capsys, "bench", "w=8,d=6.5,r=2048", "--device", "cpu")
    one_line_exit_2(code, out, err, "a CPU benchmark may take: measure smaller variants or batch sizes")


def test_a_bug_is_one_line_and_exit_1_and_its_traceback_is_there_when_asked(capsys, monkeypatch):
    from effnet_inspect.api.table import Table

    def bug(*args, **kwargs):
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(Table, "render", bug)
    assert main(["table", TINY]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "effnet-inspect table: internal error: ZeroDivisionError: division by zero (a bug in effnet-inspect; please "
        "report it, with the traceback that EFFNET_INSPECT_DEBUG=1 shows)"
    ]
    monkeypatch.setenv("EFFNET_INSPECT_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["table", TINY])


def test_out_of_memory_is_bad_input(capsys, monkeypatch):
    from effnet_inspect.api.table import Table

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(Table, "render", exhausted)
    one_line_exit_2(*run_cli(capsys, "table", TINY), "out of memory; try a smaller variant, batch size or resolution")
