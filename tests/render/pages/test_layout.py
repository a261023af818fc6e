"""Layout elements and flow: styles, line/space/image, page setup, new_page, keep_together."""

from __future__ import annotations

import io
import struct
import zlib

import pypdf
import pytest

from reportdsl.engine.stream.events import ReportEnd
from reportdsl.render import TypstDocumentSink, compile_document

from ..support import band_values, body_of, pdf_pages, plan_of


def _tiny_png(path):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


STYLES = """
report styles {
  title "Styles"
  page a5 landscape margin 1cm
  title {
    image "img/dot.png" width 1cm
    text "Big red centred {title}" bold italic size 18pt color "#CC0000" align center
    line
    space 5mm
    text "Right" align right
  }
  detail { column a "A" = a }
}
"""


def _finish(plan, workdir, rows=(), title_values=()):
    sink = TypstDocumentSink(plan, workdir)
    sink.report_start({}, band_values(plan.title_band, *title_values) if plan.title_band else {})
    for row in rows:
        sink.detail(row)
    sink.report_end(ReportEnd(values={}, row_count=len(rows), rows_read=len(rows), no_data=False))
    return sink.finish()


def test_styles_image_line_space(tmp_path):
    (tmp_path / "img").mkdir()
    _tiny_png(tmp_path / "img" / "dot.png")
    plan = plan_of(STYLES, base_dir=tmp_path)
    document = _finish(plan, tmp_path / "work", rows=[("x",)], title_values=("Styles",))
    prelude = document.prelude.read_text(encoding="utf-8")
    assert ('rd-text(("Big red centred ", v0).join(), weight: "bold", italic: true, colour: "#CC0000", '
            'size: 18pt, align: center)') in prelude
    assert 'rd-image("assets/0-dot.png", width: 1cm)' in prelude
    assert "rd-line()" in prelude and "v(5mm)" in prelude
    assert (tmp_path / "work" / "assets" / "0-dot.png").is_file()  # copied into the root
    rendered = compile_document(document, "pdf")
    reader = pypdf.PdfReader(io.BytesIO(rendered.pages[0]))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 420)  # a5 landscape
    assert reader.metadata.title == "Styles"
    text = reader.pages[0].extract_text()
    assert "Big red centred Styles" in text and "Right" in text


def test_page_sizes_and_margins(tmp_path):
    plan = plan_of('report p { page letter portrait margin 1in\n detail { column a "A" = a } }')
    rendered = compile_document(_finish(plan, tmp_path, rows=[("x",)]), "pdf")
    box = pypdf.PdfReader(io.BytesIO(rendered.pages[0])).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


GROUPS = """
report flow {
  page a6 margin 1cm
  group g {
    FLAGS
    header { text "Group {g}" bold }
    footer { text "End {g}" }
  }
  detail { column g "G" = g
           column n "N" = n }
}
"""


def _grouped(tmp_path, flags, sizes):
    plan = plan_of(GROUPS.replace("FLAGS", flags))
    sink = TypstDocumentSink(plan, tmp_path)
    sink.report_start({}, {})
    header, footer = plan.groups[0].header, plan.groups[0].footer
    for name, size in sizes:
        sink.group_start(0, name, band_values(header, name))
        for i in range(size):
            sink.detail((name, i))
        sink.group_end(0, name, size, band_values(footer, name))
    sink.report_end(ReportEnd(values={}, row_count=1, rows_read=1, no_data=False))
    return sink.finish()


def _page_of(pages, needle):
    return [i for i, text in enumerate(pages) if needle in text]


def test_keep_together_moves_a_group_that_fits(tmp_path):
    sizes = [("A", 12), ("B", 12), ("C", 12)]
    loose = pdf_pages(compile_document(_grouped(tmp_path / "loose", "", sizes)).pages[0])
    assert any(_page_of(loose, f"Group {g}") != _page_of(loose, f"End {g}") for g, _ in sizes)
    kept = pdf_pages(compile_document(_grouped(tmp_path / "kept", "keep_together", sizes)).pages[0])
    for g, _ in sizes:
        assert _page_of(kept, f"Group {g}") == _page_of(kept, f"End {g}")


def test_keep_together_breaks_a_group_taller_than_a_page(tmp_path):
    document = _grouped(tmp_path, "keep_together", [("A", 60)])
    pages = pdf_pages(compile_document(document).pages[0])
    assert len(pages) >= 2
    numbers = [line.split()[1] for text in pages for line in text.splitlines() if line.startswith("A ")]
    assert numbers == [str(i) for i in range(60)]  # every row printed, none clipped


def test_new_page_starts_each_group_but_the_first(tmp_path):
    document = _grouped(tmp_path, "new_page", [("A", 2), ("B", 2), ("C", 2)])
    assert body_of(document).count("#rd-new-page()") == 2
    pages = pdf_pages(compile_document(document).pages[0])
    assert [_page_of(pages, f"Group {g}") for g in "ABC"] == [[0], [1], [2]]


NESTED = """
report nested {
  group outer {
    OUTER
    header { text "O {outer}" }
  }
  group inner {
    INNER
    header { text "I {inner}" }
  }
  detail { column v "V" = v }
}
"""


@pytest.mark.parametrize(
    "outer, inner, expected",
    [
        # new_page on the outer level: a break before each outer group but the first
        ("new_page", "", ["O a", "I 1", "I 2", "BREAK", "O b", "I 1"]),
        # on the inner level: before every inner group, but the first of an outer
        # group breaks before the outer header instead, keeping it with its first child
        ("", "new_page", ["O a", "I 1", "BREAK", "I 2", "BREAK", "O b", "I 1"]),
        ("", "", ["O a", "I 1", "I 2", "O b", "I 1"]),
    ],
)
def test_new_page_with_nested_groups(tmp_path, outer, inner, expected):
    plan = plan_of(NESTED.replace("OUTER", outer).replace("INNER", inner))
    sink = TypstDocumentSink(plan, tmp_path)
    sink.report_start({}, {})
    for o, inners in (("a", ["1", "2"]), ("b", ["1"])):
        sink.group_start(0, o, band_values(plan.groups[0].header, o))
        for i in inners:
            sink.group_start(1, i, band_values(plan.groups[1].header, i))
            sink.detail((1,))
            sink.group_end(1, i, 1, {})
        sink.group_end(0, o, len(inners), {})
    sink.report_end(ReportEnd(values={}, row_count=3, rows_read=3, no_data=False))
    lines = body_of(sink.finish()).splitlines()
    seen = []
    for line in lines:
        if line == "#rd-new-page()":
            seen.append("BREAK")
        elif line.startswith("#rd-band-group-header-"):
            seen.append(("O " if "-0(" in line else "I ") + line.split('"')[1])
    assert seen == expected


def test_png_and_svg_pages(tmp_path):
    document = _grouped(tmp_path, "new_page", [("A", 1), ("B", 1)])
    png = compile_document(document, "png", ppi=20)
    assert len(png.pages) == 2 and all(p.startswith(b"\x89PNG") for p in png.pages)
    svg = compile_document(document, "svg")
    assert len(svg.pages) == 2 and all(b"<svg" in p[:200] for p in svg.pages)
    typ = compile_document(document, "typ")
    assert typ.pages == [document.main.read_bytes()]


def test_same_inputs_same_pdf_bytes(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = compile_document(_grouped(tmp_path / "a", "", [("A", 3)])).pages[0]
    second = compile_document(_grouped(tmp_path / "b", "", [("A", 3)])).pages[0]
    assert first == second
    assert b"/CreationDate" not in first


def test_source_date_epoch_sets_the_creation_date(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    plan = plan_of(GROUPS.replace("FLAGS", ""))
    from reportdsl.render import document_date_setting

    sink = TypstDocumentSink(plan, tmp_path, document_date=document_date_setting())
    sink.report_start({}, {})
    sink.report_end(ReportEnd(values={}, row_count=0, rows_read=0, no_data=True))
    pdf = compile_document(sink.finish()).pages[0]
    assert b"/CreationDate(D:20231114221320" in pdf
