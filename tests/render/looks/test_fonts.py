"""The bundled CJK font: Japanese, Korean and Chinese text prints on a machine without
CJK fonts, in regular and bold, and the missing-glyph warning names only what no font
has."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
import typst

from reportdsl.render import render_report
from reportdsl.render.typeset.fonts import CJK_FAMILY, covered, font_paths
from reportdsl.render.typeset.glyphs import missing_glyphs

from ..support import pdf_pages, plan_of

NAMES = ["東京精機株式会社", "Seoul Tech 서울", "上海 Import Co.", "Müller GmbH"]

REPORT = """
report cjk {
  title "顧客 고객 客户"
  locale "en_US"
  currency "USD"
  source csv "customers.csv" { amount: int }
  page_header { text "{title} — {COUNT()} customers" }
  group customer { header { text "{customer}: {SUM(amount) | currency}" bold } }
  detail {
    column customer "Customer" = customer
    column city     "City 都市" = city    width 3cm
    column amount   "Amount"   = amount  width 2cm
  }
}
"""


@pytest.fixture(autouse=True)
def fixed_build_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def _build(tmp_path: Path, rows: list[tuple[str, str, int]], name: str = "work"):
    lines = ["customer,city,amount", *(f"{c},{city},{a}" for c, city, a in rows)]
    (tmp_path / "customers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = plan_of(REPORT, base_dir=tmp_path)
    return render_report(plan, "pdf", workdir=tmp_path / name)


def _font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            # "/ABCDEF+NotoSansCJKjp-Bold-Identity-H": a subset of the font, by name
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1].removesuffix("-Identity-H"))
    return names


ROWS = [("東京精機株式会社", "東京", 120), ("Seoul Tech 서울", "서울", 80),
        ("上海 Import Co.", "上海", 60), ("Müller GmbH", "Berlin", 40)]


def test_bundled_font_is_installed():
    folders = font_paths()
    assert len(folders) == 3, "the noto-cjk-sans-jp-* and fontpkg-ibm-plex-sans packages are dependencies"
    assert {p.name for folder in folders for p in Path(folder).glob("*.otf")} == {
        "NotoSansCJKjp-Regular.otf", "NotoSansCJKjp-Bold.otf"}


def _compile_in_family(family: str, folders: list[str]) -> tuple[bytes, list[str]]:
    """Text set in ``family`` alone (no fallback), with only ``folders``' fonts and
    Typst's embedded ones: no system font can stand in."""
    source = f'#set text(font: "{family}", fallback: false)\n東京 서울 上海\n\n#strong[東京精機]\n'
    pdf, warnings = typst.compile_with_warnings(
        source.encode(), font_paths=folders, ignore_system_fonts=True, pdf_tags=False)
    return pdf, [str(w.message) for w in warnings]


def test_the_cjk_family_is_the_bundled_fonts_family():
    """``CJK_FAMILY`` names the family the bundled files add: Typst finds it among
    ``font_paths()`` and draws CJK text with it, regular and bold; without those
    folders it does not know the family."""
    pdf, warnings = _compile_in_family(CJK_FAMILY, list(font_paths()))
    assert warnings == []  # no "unknown font family"
    assert _font_names(pdf) == {"NotoSansCJKjp-Regular", "NotoSansCJKjp-Bold"}
    assert "東京 서울 上海" in pdf_pages(pdf)[0]
    _, warnings = _compile_in_family(CJK_FAMILY, [])
    assert warnings == [f"unknown font family: {CJK_FAMILY.lower()}"]


def test_japanese_korean_and_chinese_names_print(tmp_path):
    result = _build(tmp_path, ROWS)
    assert result.warnings == []  # no missing glyph, no unknown font family
    text = " ".join(pdf_pages(result.pages[0]))
    assert "顧客 고객 客户 — 4 customers" in text  # literal text of the report
    assert "Customer City 都市 Amount" in text  # a column label
    for name in NAMES:
        assert f"{name}:" in text  # the bold group header
    assert "東京精機株式会社 東京 120" in text and "Seoul Tech 서울 서울 80" in text  # detail rows
    assert "上海 Import Co. 上海 60" in text
    # CJK in regular and in bold text, each from its own face of the bundled font
    assert {"NotoSansCJKjp-Regular", "NotoSansCJKjp-Bold"} <= _font_names(result.pages[0])


def test_the_same_report_gives_the_same_pdf(tmp_path):
    first = _build(tmp_path, ROWS, "a").pages[0]
    assert _build(tmp_path, ROWS, "b").pages[0] == first


def test_only_characters_no_font_has_are_reported(tmp_path):
    result = _build(tmp_path, ROWS + [("Mayan \U0001D2E0 Ltd", "Tikal", 1)])
    assert len(result.warnings) == 1
    (warning,) = result.warnings
    assert "no font has a glyph for 1 character" in warning and "U+1D2E0" in warning
    assert "Seoul Tech 서울" in " ".join(pdf_pages(result.pages[0]))


def test_coverage_is_read_from_the_font():
    chars = "あア漢字한글中文简体繁體éßễ①Ж\U0001D2E0\U0001F600"
    drawn = covered(chars, font_paths())
    assert set("あア漢字한글中文简体繁體éßễ①Ж") <= drawn
    assert "\U0001D2E0" not in drawn and "\U0001F600" not in drawn
    assert covered(chars, ()) == set()


def test_covered_characters_need_no_probe():
    # Every character is in the bundled font: no probe document is written or compiled
    # (there is no document to write it into).
    assert missing_glyphs(None, set("東京精機서울上海Müllerễ"), font_paths=font_paths()) == []
