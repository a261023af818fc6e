"""Atomic outputs: whole or not at all, the previous output untouched on failure."""

from __future__ import annotations

import os

import pytest

from reportdsl.render import (
    ReportRenderError,
    atomic_write,
    atomic_writer,
    page_paths,
    write_outputs,
)


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_writes_a_single_file(tmp_path):
    [written] = write_outputs(b"%PDF-1.7 new", tmp_path / "out.pdf", "pdf")
    assert written.read_bytes() == b"%PDF-1.7 new"
    assert _leftovers(tmp_path) == []


def test_text_and_json_outputs(tmp_path):
    write_outputs('{"a": 1}', tmp_path / "r.json")
    assert (tmp_path / "r.json").read_text() == '{"a": 1}'


def test_failure_keeps_the_previous_output(tmp_path):
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_writer(target) as out:
        out.write(b"half of the new")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_interrupt_keeps_the_previous_output(tmp_path):
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), atomic_writer(target) as out:
        out.write(b"partial")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_pages_are_all_written_or_none(tmp_path, monkeypatch):
    import reportdsl.render.output as output

    for n in (1, 2):
        (tmp_path / f"out-{n}.png").write_bytes(b"old")
    real_open_aside = output._open_aside
    opened = []

    def open_aside(target):  # the disk fills up while the second page is written aside
        opened.append(target)
        if len(opened) == 2:
            raise OSError(28, "No space left on device", str(target))
        return real_open_aside(target)

    monkeypatch.setattr(output, "_open_aside", open_aside)
    with pytest.raises(ReportRenderError, match="No space left"):
        write_outputs([b"p1", b"p2"], tmp_path / "out.png", "png")
    assert (tmp_path / "out-1.png").read_bytes() == b"old"  # page 1 was written aside only
    assert (tmp_path / "out-2.png").read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_page_names(tmp_path):
    assert page_paths(tmp_path / "out.png", 1) == [tmp_path / "out.png"]
    assert page_paths(tmp_path / "out.png", 2) == [tmp_path / "out-1.png", tmp_path / "out-2.png"]
    assert page_paths(str(tmp_path / "page{n}.svg"), 2) == [tmp_path / "page1.svg", tmp_path / "page2.svg"]
    assert page_paths(str(tmp_path / "only{n}.png"), 1) == [tmp_path / "only1.png"]
    written = write_outputs([b"a", b"b", b"c"], str(tmp_path / "p-{n}.svg"), "svg")
    assert [p.name for p in written] == ["p-1.svg", "p-2.svg", "p-3.svg"]


def test_missing_folder_is_a_report_error(tmp_path):
    with pytest.raises(ReportRenderError, match="does not exist"):
        write_outputs(b"x", tmp_path / "nope" / "out.pdf", "pdf")


def test_output_gets_the_usual_permissions(tmp_path):
    atomic_write(tmp_path / "out.pdf", b"x")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "out.pdf").stat().st_mode & 0o777 == 0o666 & ~mask
