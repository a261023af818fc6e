"""Data cannot reorder the report's own text (issue 20): every data value that holds a
right-to-left letter or a directional control reaches Typst isolated (U+2068 … U+2069),
so a customer name starting with U+202E RIGHT-TO-LEFT OVERRIDE reverses itself only,
not the amount and date printed after it."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

import reportdsl
from reportdsl.render.document.typst_text import FSI, PDI, isolate_direction, typst_data

RLO, PDF_, LRE, RLI = "\u202e", "\u202c", "\u202a", "\u2067"

REPORT = """report balances {
  title "Customer balances"
  title { text "Customer balances" }
  group customer {
    header { text "{customer} owes {SUM(amount) | number(2)} since {MIN(day) | date}" }
  }
  detail { column customer "Customer" = customer
           column amount "Amount" = amount | number(2) }
  summary { text "Last: {LAST(customer)} then the end" }
}
"""

ROWS = [
    {"customer": RLO + "Acme Ltd", "amount": Decimal("1234.5"), "day": datetime.date(2024, 1, 3)},
    {"customer": "Bob" + PDI + RLO, "amount": Decimal("8"), "day": datetime.date(2024, 1, 5)},
    {"customer": "\u05e9\u05dc\u05d5\u05dd", "amount": Decimal("7"), "day": datetime.date(2024, 1, 4)},
    {"customer": "Plain Co", "amount": Decimal("2"), "day": datetime.date(2024, 1, 6)},
]


@pytest.mark.parametrize("value, isolated", [
    ("Plain Co", "Plain Co"),  # nothing to isolate: unchanged
    ("Müller GmbH", "Müller GmbH"),
    (RLO + "Acme", FSI + RLO + "Acme" + PDI),
    ("\u05e9\u05dc\u05d5\u05dd", FSI + "\u05e9\u05dc\u05d5\u05dd" + PDI),  # an RTL name: no spill-over
    ("Bob" + PDI + RLO, FSI + "Bob" + RLO + PDI),  # a PDI with no opener would end the isolate early
    (RLI + "x", FSI + RLI + "x" + PDI + PDI),  # an isolate left open is closed inside
    (LRE + "a" + PDF_ + PDF_, FSI + LRE + "a" + PDF_ + PDF_ + PDI),  # embeddings end at the PDI anyway
    (RLO + "a\nb" + RLO, FSI + RLO + "a" + PDI + "\n" + FSI + "b" + RLO + PDI),  # one isolate a paragraph
    ("a\u2029" + RLO, FSI + "a" + PDI + "\u2029" + FSI + RLO + PDI),
])
def test_isolate_direction(value, isolated):
    assert isolate_direction(value) == isolated


def test_typst_data_escapes_and_isolates():
    assert typst_data('"' + RLO + "x\\") == '"' + FSI + '\\"' + RLO + "x\\\\" + PDI + '"'


def typst_source() -> str:
    return reportdsl.compile(REPORT).render(format="typ", source=ROWS).decode("utf-8")


def test_every_data_value_is_isolated_in_the_generated_typst():
    typ = typst_source()
    acme = '"' + FSI + RLO + 'Acme Ltd' + PDI + '"'
    assert typ.count(acme) >= 2  # the group header's argument and the detail cell
    assert f'"{FSI}Bob{RLO}{PDI}"' in typ
    assert f'"{FSI}\u05e9\u05dc\u05d5\u05dd{PDI}"' in typ
    assert '"Plain Co"' in typ
    # no literal of data reaches the document with an unbalanced control
    for line in typ.splitlines():
        if RLO in line:
            assert line.count(FSI) >= line.count(RLO)
    # the report's own literal text is not touched
    assert '" owes "' in typ and '" since "' in typ


def test_the_pdf_prints_the_amount_and_date_after_a_reversing_name_in_order():
    pdf = reportdsl.compile(REPORT).render(format="pdf", source=ROWS)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    # The override reverses the name itself (that is what the data asks for) and nothing else.
    assert "dtL emcA owes 1,234.50 since Jan 3, 2024" in text
    assert "Bob owes 8.00 since Jan 5, 2024" in text
    assert "owes 7.00 since Jan 4, 2024" in text
    assert "Last: dtL emcA then the end" in text  # groups print in key order: U+202E sorts last
    assert "4202" not in text and "sewo" not in text and "ecnis" not in text


def test_a_deferred_value_is_isolated_too():
    report = """report r {
  title { text "Total for {FIRST(customer)} is {SUM(amount)} exactly" }
}
"""
    typ = reportdsl.compile(report).render(format="typ", source=ROWS).decode("utf-8")
    start = typ.index("#let rd-deferred = (\n")
    deferred = typ[start:typ.index("\n)\n", start)]
    assert f'"{FSI}{RLO}Acme Ltd{PDI}"' in deferred
