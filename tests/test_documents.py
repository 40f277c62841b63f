"""PDF and DOCX files: sniffed from their bytes, read in reading order, and read as their Markdown form is.

Every PDF and DOCX here is written during the test from a Markdown response (tests/docgen.py: fpdf2 and
python-docx), the way a respondent's word processor would export it.
"""
from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from click.testing import CliRunner

import docgen
from conftest import FIXTURES, SEEDS
from wsisgraph.cli import cli
from wsisgraph.errors import DocumentError
from wsisgraph.extract import extract
from wsisgraph.load import load_document

RESPONSES = {
    "seed": SEEDS / "002_0a617c45d6870c06.txt",
    "headings": FIXTURES / "docs" / "response-headings.md",
    "bold": FIXTURES / "docs" / "response-bold.md",
    "sameline": FIXTURES / "docs" / "response-sameline.md",
}
TEXTS = {  # documents that are not responses: read as plain text
    "notes": FIXTURES / "docs" / "notes.md",
    "health": FIXTURES / "topical" / "health.md",
}
WRITERS = {"pdf": docgen.write_pdf, "docx": docgen.write_docx}


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)), obj={})


def exported(tmp_path, response: str, fmt: str):
    """The response written as `fmt` under a name that says nothing of its kind."""
    path = tmp_path / f"{response}-{fmt}.bin"
    source = RESPONSES.get(response) or TEXTS[response]
    WRITERS[fmt](docgen.markdown_blocks(source.read_text(encoding="utf-8")), path)
    return path


def mentions(ex):
    return {(m.concept.scheme, m.concept.notation, m.in_question) for m in ex.mentions}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize("response", sorted(RESPONSES))
def test_exported_response_reads_as_its_markdown(tmp_path, response, fmt):
    markdown = extract(load_document(RESPONSES[response]), topical=None)
    doc = load_document(exported(tmp_path, response, fmt))
    assert (doc.kind, doc.format, doc.warnings) == ("questionnaire-md", fmt, [])
    ex = extract(doc, topical=None)
    assert ex.respondent == markdown.respondent and ex.respondent is not None
    assert mentions(ex) == mentions(markdown) and ex.mentions
    # headings, numbered questions, answers and fields are the same parts
    assert [(p.key, p.kind, p.number) for p in ex.parsed.parts] == [(p.key, p.kind, p.number) for p in markdown.parsed.parts]
    for m in ex.mentions:
        assert m.quote == ex.parsed.text[m.start:m.end]


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize("name", sorted(TEXTS))
def test_exported_text_reads_as_its_markdown_with_its_topical_links(tmp_path, name, fmt):
    markdown = extract(load_document(TEXTS[name]))
    doc = load_document(exported(tmp_path, name, fmt))
    assert (doc.kind, doc.format) == ("text", fmt) and "**" not in doc.text
    ex = extract(doc)
    assert mentions(ex) == mentions(markdown)
    assert {link.concept.iri for link in ex.topical} == {link.concept.iri for link in markdown.topical}
    assert ex.parsed.title == markdown.parsed.title
    for m in ex.mentions:
        assert m.quote == ex.parsed.text[m.start:m.end]


def test_build_reads_pdf_and_docx_with_quotes_and_format(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(exported(tmp_path, "seed", "pdf"), docs / "response.pdf.txt")  # the extension says nothing
    shutil.copy(exported(tmp_path, "seed", "docx"), docs / "response")
    store = tmp_path / "store"
    result = run("build", docs, "--store", store, "--quiet")
    assert result.exit_code == 0, result.output
    assert "built 2 documents" in result.stderr and "(0 skipped)" in result.stderr and "valid" in result.stderr
    rows = run("query", "respondents", "--store", store, "--format", "csv")
    assert rows.exit_code == 0 and rows.stdout.count("Ocgrow Group,private-sector,CA") == 2, rows.output
    formats = run("sparql", "SELECT ?f WHERE { ?d a wsis:Document ; dct:format ?f } ORDER BY ?f", "--store", store,
                  "--format", "csv")
    assert formats.stdout.split()[1:] == ["application/pdf",
                                          "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    # explain shows the quotes, taken from the extracted text, the same for both files
    explained = run("explain", "response", "C7", "--store", store)
    assert explained.exit_code == 0, explained.output
    assert "] C7\n" in explained.stdout and "] ICT Applications\n" in explained.stdout
    assert run("explain", "response.pdf.txt", "C7", "--store", store).stdout == explained.stdout


def test_reading_order_follows_the_page_not_the_drawing_order(tmp_path):
    """Two columns drawn right one first, and the page header drawn last: read left column, then right."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("dejavu", "", docgen.font("DejaVuSans.ttf"))
    pdf.add_font("dejavu", "B", docgen.font("DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("dejavu", "", 11)
    left = "The left column comes first. It speaks of the Internet Governance Forum and of capacity building."
    right = "The right column comes second. It names the Global Digital Compact and SDG 4 on education."
    pdf.set_xy(110, 40)
    pdf.multi_cell(85, 6, right, align="L")
    pdf.set_xy(15, 40)
    pdf.multi_cell(85, 6, left, align="L")
    pdf.set_font("dejavu", "B", 16)
    pdf.set_xy(15, 20)
    pdf.cell(0, 10, "A two-column page")
    path = tmp_path / "columns.pdf"
    pdf.output(str(path))
    text = load_document(path).text
    assert text.startswith("# A two-column page\n\n")
    assert text.index("left column comes first") < text.index("capacity building") < text.index("right column")
    assert "Internet Governance Forum and of capacity building" in text  # wrapped lines joined in order
    assert text.index("right column") < text.index("SDG 4 on education")


def test_docx_table_of_fields_and_numbered_questions(tmp_path):
    """A form laid out as a table (label | value) and questions as Heading 2 in a numbered list."""
    import docx

    document = docx.Document()
    document.add_heading("Call for Inputs on the WSIS+20 Review: Response", level=0)
    table = document.add_table(rows=3, cols=2)
    for row, (label, value) in zip(table.rows, [("Organization name", "Ocgrow Group"), ("Organization type",
                                                 "Private Sector"), ("Organization country", "Canada")]):
        row.cells[0].text, row.cells[1].text = label, value
    document.add_paragraph("8. Which specific Action Lines have had the most significant impact, and why?")
    document.add_paragraph("C5, for the cybersecurity of hospitals, and SDG 3.")
    path = tmp_path / "table.docx"
    document.save(str(path))
    ex = extract(load_document(path), topical=None)
    assert (ex.respondent.name, ex.respondent.stakeholder_type, ex.respondent.country) == ("Ocgrow Group",
                                                                                          "private-sector", "CA")
    assert {(m.concept.notation, m.in_question) for m in ex.mentions if m.concept.scheme in ("actionline", "sdg")} \
        >= {("C5", False), ("3", False)}
    assert [p.key for p in ex.parsed.parts if p.kind == "answer"] == ["a8"]


def test_pdf_with_owner_password_only_is_read(tmp_path):
    """Permissions-only encryption (no user password) opens in any viewer, so it is read too."""
    path = tmp_path / "owner.pdf"
    docgen.write_pdf(docgen.markdown_blocks(RESPONSES["bold"].read_text(encoding="utf-8")), path,
                     owner_password="owner")
    assert load_document(path).kind == "questionnaire-md"


def test_pdf_with_some_scanned_pages_warns(tmp_path):
    path = tmp_path / "partly-scanned.pdf"
    docgen.write_pdf(docgen.markdown_blocks(RESPONSES["bold"].read_text(encoding="utf-8")), path, scanned_pages=1)
    doc = load_document(path)
    assert doc.warnings == ["partly-scanned.pdf: PDF page 2 has no text layer (scanned?); its text is missing"]
    assert "Ministry of Digital Economy" in doc.text


# -- bad files: one line naming the file and the reason ---------------------------------------------------

def _encrypted_pdf(path):
    docgen.write_pdf(docgen.markdown_blocks(RESPONSES["bold"].read_text(encoding="utf-8")), path,
                     owner_password="owner", user_password="secret")


def _scanned_pdf(path):
    docgen.write_pdf([], path, scanned_pages=2, footer=False)


def _truncated_pdf(path):
    full = path.with_suffix(".full")
    docgen.write_pdf(docgen.markdown_blocks(RESPONSES["bold"].read_text(encoding="utf-8")), full)
    path.write_bytes(full.read_bytes()[: full.stat().st_size * 2 // 5])


def _corrupt_zip(path):
    full = path.with_suffix(".full")
    docgen.write_docx(docgen.markdown_blocks(RESPONSES["bold"].read_text(encoding="utf-8")), full)
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 2])


def _plain_zip(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "C5 and SDG 3")


def _xlsx(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                                'package/2006/content-types"/>')
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")


def _old_doc(path):
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)


BAD = {
    "encrypted.pdf": (_encrypted_pdf, "encrypted PDF that needs a password"),
    "scanned.pdf": (_scanned_pdf, "PDF with no text layer (2 of 2 pages are images"),
    "truncated.pdf": (_truncated_pdf, "not a readable PDF"),
    "corrupt.docx": (_corrupt_zip, "corrupt ZIP archive"),
    "archive.docx": (_plain_zip, "a ZIP archive, not a Word document (no word/document.xml)"),
    "workbook.docx": (_xlsx, "an Excel workbook (XLSX), not a Word document"),
    "old.doc": (_old_doc, "an old Microsoft Office file"),
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad-binary")
    for name, (make, _) in BAD.items():
        make(folder / name)
    for extra in folder.glob("*.full"):
        extra.unlink()
    return folder


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_binary_file_is_one_line_naming_it(bad_files, name):
    with pytest.raises(DocumentError) as err:
        load_document(bad_files / name)
    message = str(err.value)
    assert message.startswith(f"{name}: ") and BAD[name][1] in message and "\n" not in message


def test_bad_binary_files_are_skipped_and_the_rest_builds(tmp_path, bad_files):
    docs = tmp_path / "docs"
    shutil.copytree(bad_files, docs / "bad")
    shutil.copy(RESPONSES["seed"], docs / "response.md")
    store = tmp_path / "store"
    result = run("build", docs, "--store", store, "--quiet", "--no-validate")
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert sorted(line.split(":")[0] for line in skipped) == sorted(f"skipped bad/{name}" for name in BAD)
    assert "built 1 documents" in result.stderr and f"({len(BAD)} skipped)" in result.stderr
    strict = run("build", docs, "--store", store, "--strict", "--quiet")
    assert strict.exit_code == 2 and len(strict.stderr.strip().splitlines()) == 1
    assert strict.stderr.startswith("Error: bad/") and "Traceback" not in strict.output


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_cut_or_damaged_files_read_or_fail_in_one_line(tmp_path, fmt):
    """A file cut short anywhere, or with bytes overwritten, reads (what is left of it) or is one DocumentError."""
    whole = exported(tmp_path, "seed", fmt).read_bytes()
    damaged = [whole[:cut] for cut in range(len(whole) // 8, len(whole), len(whole) // 8)]
    damaged += [whole[:at] + b"\x00garbage\xff" * 8 + whole[at + 80:] for at in range(200, len(whole), len(whole) // 4)]
    outcomes = set()
    for i, data in enumerate(damaged):
        path = tmp_path / f"damaged-{i}"
        path.write_bytes(data)
        try:
            doc = load_document(path)
        except DocumentError as err:
            assert str(err).startswith(f"damaged-{i}: ") and "\n" not in str(err)
            outcomes.add("error")
        else:
            assert doc.format == fmt
            outcomes.add("read")
    assert "error" in outcomes
