"""The body line format (``document/body.py``): what the sink writes is what the index reads.

A body written with the format's own lines is indexed into its units (a kept block,
nested ones included, is one unit); a real sink's body follows the grammar line by line;
a body without the head is not indexed; and the module stays light enough for worker
processes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from reportdsl.render.document import body as fmt
from reportdsl.render.document.body import BodyIndex, index_body

from ..support import GROUPED, feed_grouped, grouped_rows, make_document, plan_of


class _Body:
    def __init__(self, path: Path) -> None:
        self.body = path


def _index(tmp_path: Path, text: str) -> tuple[BodyIndex | None, bytes]:
    path = tmp_path / "body.typ"
    path.write_text(text, encoding="utf-8")
    return index_body(_Body(path)), path.read_bytes()


def _units(index: BodyIndex, data: bytes) -> list[bytes]:
    return [data[index.offsets[i]:index.offsets[i + 1]] for i in range(index.units)]


def test_the_body_index_keeps_a_kept_group_whole(tmp_path):
    text = "".join([
        fmt.show_line([]), fmt.START_LINE,
        fmt.call_line('rd-band-title("T")'),
        fmt.detail_start_line(inline=True),
        fmt.KEEP_OPEN_LINE, fmt.call_line('rd-row("1")'),
        fmt.KEEP_OPEN_LINE, fmt.call_line('rd-row("2")'), fmt.KEEP_CLOSE_LINE,
        fmt.KEEP_CLOSE_LINE,
        fmt.NEW_PAGE_LINE,
        fmt.call_line('rd-row("3")'),
    ])
    index, data = _index(tmp_path, text)
    assert index is not None
    assert index.head == b'#show: rd-document.with()\n#rd-start()\n'
    assert _units(index, data) == [
        b'#rd-band-title("T")\n',
        b"#rd-detail-start(inline: true)\n",
        b'#rd-keep[\n#rd-row("1")\n#rd-keep[\n#rd-row("2")\n]\n]\n',
        b"#rd-new-page()\n",
        b'#rd-row("3")\n',
    ]
    assert index.detail_start == 1
    assert list(index.lines) == [0, 1, 2, 8, 9, 10]  # body lines before each unit; all of them


def test_a_body_without_the_head_is_not_indexed(tmp_path):
    assert _index(tmp_path, '#rd-row("1")\n' + fmt.START_LINE)[0] is None
    assert _index(tmp_path, fmt.show_line([]) + '#rd-row("1")\n')[0] is None


def test_the_sinks_body_follows_the_grammar(tmp_path):
    """grouped.report with its customers kept together: every line is the head, a call
    on a line of its own or a kept block's bracket, and the units are the statements
    at depth 0."""
    text = GROUPED.read_text(encoding="utf-8").replace("group customer {", "group customer {\n    keep_together")
    text = text.replace("group region {", "group region {\n    repeat_header")
    plan = plan_of(text)
    rows = grouped_rows()
    document = make_document(plan, tmp_path / "work", feed_grouped(plan, rows))
    lines = document.body.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[0].startswith(fmt.SHOW) and lines[0].endswith(")\n") and lines[1] == fmt.START_LINE
    depth, statements = 0, 0
    for line in lines[2:]:
        assert line.endswith("\n") and "\n" not in line[:-1]
        if depth == 0 and not line.startswith(fmt.REPEAT_CLOSE):  # a close ends the unit before it
            statements += 1
        if line in (fmt.KEEP_OPEN_LINE, fmt.STICKY_OPEN_LINE):
            depth += 1
        elif line == fmt.KEEP_CLOSE_LINE:
            depth -= 1
        else:
            assert line.startswith("#rd-") and line.endswith(")\n"), line
        assert depth >= 0
    assert depth == 0
    assert lines.count(fmt.KEEP_OPEN_LINE) == len({(r["region"], r["customer"]) for r in rows})  # one a customer
    index = index_body(document)
    assert index is not None
    assert index.units == statements and index.lines[-1] == len(lines) - 2 == document.lines - 2
    assert index.head == "".join(lines[:2]).encode()
    assert _units(index, document.body.read_bytes())[index.detail_start] == fmt.detail_start_line(True).encode()
    regions = len({r["region"] for r in rows})
    assert [call is None for _, _, call in index.repeats] == [False, True] * regions
    # a piece starting inside a region starts with its repeated header open; after it, not
    opened_at, closed_at = index.repeats[0][0], index.repeats[1][0]
    assert b"repeats: ((0, rd-band-group-repeat-0(" in index.head_at(opened_at + 1)
    assert index.head_at(opened_at) == index.head_at(closed_at + 1) == index.head


def test_a_worker_process_imports_neither_babel_nor_jinja2_nor_pydantic():
    code = (
        "import sys, reportdsl.render.pieces.piece_worker, reportdsl.render.document.body\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'babel', 'jinja2', 'pydantic', 'typst'}))\n"
    )
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"
